using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Avalon.Autodiff;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;

namespace Avalon.Benchmarks;

/// <summary>
/// The measuring procedure shared by torch_cnn.py and torch_vae.py, for Avalon: data = the whole
/// Fashion-MNIST split as tensors, batch 100 drawn by index from a shuffled order, Adam 1e-3, 2 threads;
/// a 20-step warm-up on a throw-away model; one epoch (600 steps, the shuffle inside the timed region)
/// on a fresh model seeded like the script; a test-set figure after that epoch; then eval-mode,
/// no-gradient prediction latency at batch 100 (first 100 test images) and batch 1. Subclasses give the
/// model, one training step and the test figure. Prints one JSON line (--json) or a short summary.
/// </summary>
internal abstract class ModelBenchmark : IBenchmarkCommand
{
    /// <summary>Names of the phases a training step is split into (see <see cref="PhaseTimer"/>).</summary>
    protected static readonly string[] PhaseNames = ["batch", "zero_grad", "forward", "loss", "backward", "step"];

    protected const int BatchPhase = 0, ZeroGradPhase = 1, ForwardPhase = 2, LossPhase = 3, BackwardPhase = 4, StepPhase = 5;

    public abstract string Name { get; }

    public abstract string Summary { get; }

    protected const string CommonOptions =
        "[--threads 2] [--batch 100] [--seed 0] [--warmup-steps 20] [--max-steps 0 (>0: time only that many steps, extrapolate the epoch)] " +
        "[--pred-reps 100] [--single-reps 500] [--data DIR] [--step-trace FILE (every timed step as CSV)] [--json]";

    /// <summary>Model name for the JSON line (as the PyTorch script writes it).</summary>
    protected abstract string ModelName { get; }

    /// <summary>The value of the JSON field "bench".</summary>
    protected abstract string BenchName { get; }

    /// <summary>Reads the subclass's own options (before the common ones are checked for typos).</summary>
    protected virtual void ReadOptions(BenchArgs args) { }

    /// <summary>A fresh model, initialised from the default generator.</summary>
    protected abstract Module CreateModel();

    /// <summary>The batch-size images the model takes, from the split's [N, 1, 28, 28] images.</summary>
    protected abstract Tensor PrepareImages(Tensor images);

    /// <summary>One training step on the batch at <paramref name="start"/> of <paramref name="order"/>; returns the loss.</summary>
    protected abstract Tensor TrainStep(Module model, Optimizer optimizer, FashionTensors data, Tensor images, long[] order, int start,
        int batch, PhaseTimer? timer);

    /// <summary>The prediction whose latency is measured (eval mode, no gradients).</summary>
    protected abstract void Predict(Module model, Tensor images);

    /// <summary>The after-one-epoch figures (test_acc, or test_loss_per_img) for the JSON line, and a one-line summary.</summary>
    protected abstract (Dictionary<string, object> Fields, string Text) Evaluate(Module model, FashionTensors test, Tensor images);

    /// <summary>The training-loss field(s) from the last step's loss.</summary>
    protected abstract Dictionary<string, object> LastLossFields(double lastLoss, int batch);

    public int Run(BenchArgs args)
    {
        int threads = (int)args.Double("threads", 2), batch = (int)args.Double("batch", 100);
        ulong seed = (ulong)args.Double("seed", 0);
        int warmupSteps = (int)args.Double("warmup-steps", 20), maxSteps = (int)args.Double("max-steps", 0);
        int predReps = (int)args.Double("pred-reps", 100), singleReps = (int)args.Double("single-reps", 500);
        string dataDir = args.String("data", FashionTensors.DefaultDirectory);
        bool json = args.Flag("json");
        string stepTracePath = args.String("step-trace", "");
        ReadOptions(args);
        args.EnsureAllUsed();
        if (threads < 1 || batch < 1 || warmupSteps < 0 || maxSteps < 0 || predReps < 1 || singleReps < 1)
            throw new ArgumentException("--threads, --batch, --pred-reps and --single-reps must be ≥ 1; --warmup-steps and --max-steps ≥ 0");

        double loadAverage = LoadSampler.LoadAverage();
        Threads.Count = threads;
        Generator.ManualSeed(seed);

        var train = FashionTensors.Load(DatasetSplit.Train, dataDir);
        var test = FashionTensors.Load(DatasetSplit.Test, dataDir);
        Tensor trainImages = PrepareImages(train.Images), testImages = PrepareImages(test.Images);
        int n = train.Count, stepsPerEpoch = n / batch;
        if (stepsPerEpoch == 0) throw new ArgumentException($"--batch {batch} is larger than the training set ({n})");
        Tensor predBatch = testImages.Narrow(0, 0, Math.Min(batch, test.Count)), predSingle = testImages.Narrow(0, 0, 1);
        var shuffle = new Generator(seed + 1);

        // Warm-up on a throw-away instance (JIT, tiered compilation, pools), as the scripts do.
        {
            Module warm = CreateModel();
            var warmOptimizer = new Adam(warm.Parameters(), lr: 1e-3);
            long[] warmOrder = FashionTensors.Permutation(n, shuffle);
            warm.Train();
            for (int s = 0; s < Math.Min(warmupSteps, stepsPerEpoch); s++)
                TrainStep(warm, warmOptimizer, train, trainImages, warmOrder, s * batch, batch, null);
            TimePredict(warm, predBatch, 0, 3);
            TimePredict(warm, predSingle, 0, 3);
        }

        // (a) One training epoch on a fresh model.
        Generator.ManualSeed(seed);
        Module model = CreateModel();
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        int nsteps = maxSteps <= 0 ? stepsPerEpoch : Math.Min(maxSteps, stepsPerEpoch);
        var stepTimes = new List<double>(nsteps);
        var stepTrace = new StepTrace(nsteps);
        var timer = new PhaseTimer(PhaseNames);
        var trainLoad = new LoadSampler();
        long[] order = FashionTensors.Permutation(n, shuffle);
        model.Train();
        Tensor? loss = null;
        for (int s = 0; s < nsteps; s++)
        {
            stepTrace.BeginStep();
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            loss = TrainStep(model, optimizer, train, trainImages, order, s * batch, batch, timer);
            double seconds = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
            stepTimes.Add(seconds);
            stepTrace.EndStep(seconds);
        }

        double lastLoss = loss!.Item();
        Dictionary<string, object> trainInfo = trainLoad.Stop();
        double trainWall = (double)trainInfo["wall_s"];
        bool extrapolated = nsteps < stepsPerEpoch;
        double epochSeconds = extrapolated ? trainWall / nsteps * stepsPerEpoch : trainWall;

        // (d) The test figure after that epoch.
        model.Eval();
        (Dictionary<string, object> evalFields, string evalText) = Evaluate(model, test, testImages);

        // (b), (c) Prediction latency at batch 100 and batch 1.
        var predLoad = new LoadSampler();
        List<double> t100 = TimePredict(model, predBatch, predReps, 10);
        List<double> t1 = TimePredict(model, predSingle, singleReps, 20);
        Dictionary<string, object> predInfo = predLoad.Stop();

        Dictionary<string, object> stepSummary = TimingSummary.Of(stepTimes);
        var output = new Dictionary<string, object>
        {
            ["bench"] = BenchName,
            ["model"] = ModelName,
            ["params"] = model.ParameterCount,
            ["batch"] = batch,
            ["seed"] = seed,
            ["epoch_s"] = epochSeconds,
            ["epoch_extrapolated"] = extrapolated,
            ["epoch_steps_timed"] = nsteps,
            ["steps_per_s"] = nsteps / trainWall,
            ["train_imgs_per_s"] = nsteps * batch / trainWall,
            ["step"] = stepSummary,
            ["step_phases"] = timer.Summary(),
            ["step_gc"] = stepTrace.GcSummary(),
            ["steps_sum_s"] = stepTimes.Sum(),
        };
        foreach (var (key, value) in LastLossFields(lastLoss, batch)) output[key] = value;
        foreach (var (key, value) in evalFields) output[key] = value;
        output["pred_b100"] = TimingSummary.Of(t100);
        output["pred_b1"] = TimingSummary.Of(t1);
        output["load_train"] = trainInfo;
        output["load_pred"] = predInfo;
        output["threads"] = Threads.Count;
        output["cores"] = Environment.ProcessorCount;
        output["runtime"] = RuntimeInformation.FrameworkDescription;
        output["loadavg_start"] = loadAverage;
        output["data"] = train.Source;

        if (stepTracePath.Length > 0) stepTrace.WriteCsv(stepTracePath, timer);

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(output));
        }
        else
        {
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(c, $"{ModelName}: {model.ParameterCount:N0} parameters, batch {batch}, {Threads.Count} threads; {train.Source}"));
            Console.WriteLine(string.Create(c,
                $"epoch {epochSeconds:F2} s{(extrapolated ? $" (extrapolated from {nsteps} steps)" : "")}, step median {TimedLoop.Median(stepTimes) * 1e3:F2} ms (mean {stepTimes.Average() * 1e3:F2}, p95 {(double)stepSummary["p95_ms"]:F2}), last loss {lastLoss:F4}; {evalText}"));
            Console.Write("step phases (median ms):");
            foreach (var (phase, stats) in timer.Summary())
                Console.Write(string.Create(c, $" {phase} {(double)((Dictionary<string, object>)stats)["median_ms"]:F3}"));
            Console.WriteLine();
            Console.WriteLine(string.Create(c, $"predict batch {predBatch.Shape[0]}: {TimedLoop.Median(t100) * 1e3:F3} ms, batch 1: {TimedLoop.Median(t1) * 1e3:F3} ms (medians)"));
            Console.WriteLine(string.Create(c,
                $"train region: cores self {(double)trainInfo["cores_self"]:F2}, other {trainInfo.GetValueOrDefault("cores_other", double.NaN):F2}, GC pause {(double)trainInfo["gc_pause_s"]:F2} s, minor page faults in steps {stepTrace.GcSummary()["minor_faults_in_steps"]}; load average at start {loadAverage:F2}"));
        }

        return 0;
    }

    private List<double> TimePredict(Module model, Tensor images, int reps, int warm)
    {
        model.Eval();
        var times = new List<double>(reps);
        using (new NoGrad())
        {
            for (int i = 0; i < warm; i++) Predict(model, images);
            for (int i = 0; i < reps; i++)
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                Predict(model, images);
                times.Add(System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
        }

        return times;
    }
}
