using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using Avalon.Autodiff;
using Avalon.Compiler;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;

namespace Avalon.Cli.Bench;

/// <summary>
/// The measuring procedure shared by torch_cnn.py and torch_vae.py, for Avalon: data = the whole
/// Fashion-MNIST split as tensors, batch 100 drawn by index from a shuffled order, Adam 1e-3, 2 threads;
/// a 20-step warm-up on a throw-away model; one epoch (600 steps, the shuffle inside the timed region)
/// on a fresh model seeded like the script; a test-set figure after that epoch; then eval-mode,
/// no-gradient prediction latency at batch 100 (first 100 test images) and batch 1. Beyond the scripts:
/// prediction runs through <see cref="Compiler.Compiler.Compile(Module, CompileOptions?, bool)"/> unless
/// <c>--eager</c> (its first calls are <c>compile_s</c>), the step's FLOPs are counted from its traced
/// tape (<see cref="FlopCounter"/>) and set against the median step time, the bytes allocated per step
/// are measured, and the machine's FMA peak is measured on the spot (<see cref="FmaPeak"/>).
/// Subclasses give the model, the batch, the forward pass and loss, and the test figure.
/// </summary>
internal abstract class ModelBenchmark
{
    /// <summary>Names of the phases a training step is split into (see <see cref="PhaseTimer"/>).</summary>
    public static readonly string[] PhaseNames = ["batch", "zero_grad", "forward", "loss", "backward", "step"];

    /// <summary>Indices into <see cref="PhaseNames"/>.</summary>
    public const int BatchPhase = 0, ZeroGradPhase = 1, ForwardPhase = 2, LossPhase = 3, BackwardPhase = 4, StepPhase = 5;

    /// <summary>Model name for the JSON line (as the PyTorch script writes it).</summary>
    protected abstract string ModelName { get; }

    /// <summary>The value of the JSON field "bench".</summary>
    protected abstract string BenchName { get; }

    /// <summary>The forward pass and loss of a training step.</summary>
    protected abstract BenchModelSpec Spec { get; }

    /// <summary>Which prediction output is deterministic (compared between the compiled and the eager path).</summary>
    protected virtual int CheckedPredictionOutput => 0;

    /// <summary>A fresh model, initialised from the default generator.</summary>
    protected abstract Module CreateModel();

    /// <summary>The images the model takes, from the split's [N, 1, 28, 28] images.</summary>
    protected abstract Tensor PrepareImages(Tensor images);

    /// <summary>The batch tensors of a step: the rows <paramref name="order"/>[start .. start + batch).</summary>
    protected abstract Tensor[] DrawBatch(FashionTensors data, Tensor images, long[] order, int start, int batch);

    /// <summary>The outputs of a prediction (eval mode, no gradients).</summary>
    protected abstract Tensor[] Predict(Module model, Tensor images);

    /// <summary>The compiled prediction; by default <see cref="Predict"/> compiled as a function of the images.</summary>
    protected virtual CompiledFunction CompilePrediction(Module model) => Compiler.Compiler.Compile(x => Predict(model, x[0]));

    /// <summary>The after-training figures (test_acc, or test_loss_per_img) for the JSON line, and a one-line summary.</summary>
    protected abstract (Dictionary<string, object> Fields, string Text) Evaluate(Module model, FashionTensors test, Tensor images);

    /// <summary>The training-loss field(s) from the last step's loss.</summary>
    protected abstract Dictionary<string, object> LastLossFields(double lastLoss, int batch);

    /// <summary>Runs the benchmark; prints the summary or the JSON line; returns the exit code.</summary>
    public int Run(ModelBenchOptions o)
    {
        o.Validate();
        double loadAverage = LoadSampler.LoadAverage();
        Threads.Count = o.Threads;
        Generator.ManualSeed(o.Seed);

        var train = FashionTensors.Load(DatasetSplit.Train, o.DataDirectory);
        var test = FashionTensors.Load(DatasetSplit.Test, o.DataDirectory);
        Tensor trainImages = PrepareImages(train.Images), testImages = PrepareImages(test.Images);
        int n = train.Count, batch = o.Batch, stepsPerEpoch = n / batch;
        if (stepsPerEpoch == 0) throw new BenchOptionException($"--batch {batch} is larger than the training set ({n} images).");
        Tensor predBatch = testImages.Narrow(0, 0, Math.Min(batch, test.Count)), predSingle = testImages.Narrow(0, 0, 1);
        var shuffle = new Generator(o.Seed + 1);
        double fmaPeak = FmaPeak.Measure(o.Threads);

        // Warm-up on a throw-away instance (JIT, tiered compilation, the compiler's own code), as the scripts do;
        // its step is also the one traced for the FLOP count, so the measured model's random draws are untouched.
        FlopCount flops;
        Module? profileModel = null;
        IBenchTrainStep? profileStep = null;
        Tensor[]? profileBatch = null;
        {
            Module warm = CreateModel();
            var warmOptimizer = new Adam(warm.Parameters(), lr: 1e-3);
            long[] warmOrder = FashionTensors.Permutation(n, shuffle);
            warm.Train();
            IBenchTrainStep warmStep = BenchTrainSteps.Create(warm, warmOptimizer, Spec, o.Eager);
            for (int s = 0; s < Math.Min(o.WarmupSteps, stepsPerEpoch); s++)
                warmStep.Run(DrawBatch(train, trainImages, warmOrder, s * batch, batch), null);
            flops = CountStepFlops(warm, DrawBatch(train, trainImages, warmOrder, 0, batch));
            // Profiled after the timed work (below), when the kernels' code is fully optimised by the JIT.
            if (o.Profile) (profileModel, profileStep, profileBatch) = (warm, warmStep, DrawBatch(train, trainImages, warmOrder, 0, batch));
            Func<Tensor, Tensor[]> warmPredict = Predictor(warm, o.Eager);
            warm.Eval();
            TimePredict(warmPredict, predBatch, 0, 3);
            TimePredict(warmPredict, predSingle, 0, 3);
        }

        // (a) Training epochs on a fresh model.
        Generator.ManualSeed(o.Seed);
        Module model = CreateModel();
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        IBenchTrainStep trainStep = BenchTrainSteps.Create(model, optimizer, Spec, o.Eager);
        int nsteps = o.MaxSteps <= 0 ? stepsPerEpoch : Math.Min(o.MaxSteps, stepsPerEpoch);
        var stepTimes = new List<double>(nsteps * o.Epochs);
        var stepTrace = new StepTrace(nsteps * o.Epochs);
        var timer = new PhaseTimer(PhaseNames);
        var epochSeconds = new List<double>(o.Epochs);
        var trainLoad = new LoadSampler();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        model.Train();
        Tensor? loss = null;
        for (int epoch = 0; epoch < o.Epochs; epoch++)
        {
            long epochStart = Stopwatch.GetTimestamp();
            long[] order = FashionTensors.Permutation(n, shuffle);
            for (int s = 0; s < nsteps; s++)
            {
                stepTrace.BeginStep();
                long t0 = Stopwatch.GetTimestamp();
                timer.Start();
                Tensor[] stepBatch = DrawBatch(train, trainImages, order, s * batch, batch);
                timer.Lap(BatchPhase);
                loss = trainStep.Run(stepBatch, timer);
                double seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
                stepTimes.Add(seconds);
                stepTrace.EndStep(seconds);
            }
            double wall = Stopwatch.GetElapsedTime(epochStart).TotalSeconds;
            epochSeconds.Add(nsteps < stepsPerEpoch ? wall / nsteps * stepsPerEpoch : wall);
        }

        double allocatedPerStep = (GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore) / (double)stepTimes.Count;
        double lastLoss = loss!.Item();
        Dictionary<string, object> trainInfo = trainLoad.Stop();
        double trainWall = (double)trainInfo["wall_s"];
        bool extrapolated = nsteps < stepsPerEpoch;

        // (d) The test figure after training.
        model.Eval();
        (Dictionary<string, object> evalFields, string evalText) = Evaluate(model, test, testImages);

        // (b), (c) Prediction latency at batch 100 and batch 1; a compiled path's first calls trace and plan.
        Func<Tensor, Tensor[]> predict = Predictor(model, o.Eager);
        var compiledPredict = _compiledPrediction;
        double compilePredict = TimeFirstCall(predict, predBatch) + TimeFirstCall(predict, predSingle);
        double predictionDifference = o.Eager ? 0 : MaxAbsDifference(predict, Predictor(model, eager: true), predBatch);
        var predLoad = new LoadSampler();
        List<double> t100 = TimePredict(predict, predBatch, o.PredReps, 10);
        List<double> t1 = TimePredict(predict, predSingle, o.SingleReps, 20);
        Dictionary<string, object> predInfo = predLoad.Stop();

        Dictionary<string, object> stepSummary = TimingSummary.Of(stepTimes);
        double medianStep = TimedLoop.Median(stepTimes);
        var output = new Dictionary<string, object>
        {
            ["bench"] = BenchName,
            ["model"] = ModelName,
            ["params"] = model.ParameterCount,
            ["batch"] = batch,
            ["seed"] = o.Seed,
            ["path"] = new Dictionary<string, object> { ["train"] = trainStep.Path, ["predict"] = o.Eager ? "eager" : "compiled" },
            ["epochs"] = o.Epochs,
            ["epoch_s"] = epochSeconds.Average(),
            ["epochs_s"] = epochSeconds,
            ["epoch_extrapolated"] = extrapolated,
            ["epoch_steps_timed"] = nsteps,
            ["steps_per_s"] = stepTimes.Count / trainWall,
            ["train_imgs_per_s"] = stepTimes.Count * batch / trainWall,
            ["step"] = stepSummary,
            ["step_phases"] = timer.Summary(),
            ["step_gc"] = stepTrace.GcSummary(),
            ["steps_sum_s"] = stepTimes.Sum(),
            ["alloc_bytes_per_step"] = allocatedPerStep,
            ["step_flops"] = flops.Total,
            ["step_gflops"] = flops.Total / medianStep / 1e9,
            ["step_flops_by_primitive"] = flops.ByPrimitive,
            ["step_flops_uncounted"] = flops.Uncounted,
            ["fma_peak_gflops"] = fmaPeak,
            ["vector_bits"] = FmaPeak.VectorBits,
            ["fma_hardware"] = FmaPeak.HardwareFma,
            ["compile_s"] = compilePredict + trainStep.CompileSeconds,
            ["compile_predict_s"] = compilePredict,
            ["compile_train_s"] = trainStep.CompileSeconds,
        };
        if (!o.Eager) output["pred_compiled_vs_eager_max_abs_diff"] = predictionDifference;
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

        if (o.StepTracePath is { Length: > 0 } tracePath) stepTrace.WriteCsv(tracePath, timer);
        profileModel?.Train();
        var stepProfile = profileStep?.Profile(profileBatch!, 20);
        var profileRows = stepProfile is null ? null : StepProfileSummary.ByOperation(stepProfile);
        if (profileRows is not null) output["step_profile"] = profileRows.Select(r => r.ToJson()).ToList();

        if (o.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(output));
            return 0;
        }
        var c = CultureInfo.InvariantCulture;
        Console.WriteLine(string.Create(c, $"{ModelName}: {model.ParameterCount:N0} parameters, batch {batch}, {Threads.Count} threads; train {trainStep.Path}, predict {(o.Eager ? "eager" : "compiled")}; {train.Source}"));
        Console.WriteLine(string.Create(c,
            $"epoch {epochSeconds.Average():F2} s{(extrapolated ? $" (extrapolated from {nsteps} steps)" : "")}{(o.Epochs > 1 ? $" (mean of {o.Epochs})" : "")}, step median {medianStep * 1e3:F2} ms (mean {stepTimes.Average() * 1e3:F2}, p95 {(double)stepSummary["p95_ms"]:F2}), last loss {lastLoss:F4}; {evalText}"));
        Console.WriteLine(string.Create(c,
            $"step {flops.Total / 1e9:F3} GFLOP → {flops.Total / medianStep / 1e9:F1} GFLOP/s at the median (FMA peak {fmaPeak:F0} GFLOP/s on {Threads.Count} threads, {FmaPeak.VectorBits}-bit vectors); {allocatedPerStep / (1 << 20):F2} MiB allocated per step"));
        Console.Write("step phases (median ms):");
        foreach (var (phase, stats) in timer.Summary())
            Console.Write(string.Create(c, $" {phase} {(double)((Dictionary<string, object>)stats)["median_ms"]:F3}"));
        Console.WriteLine();
        string check = o.Eager ? "" : string.Create(c, $", compiled vs eager max |diff| {predictionDifference:E1}");
        Console.WriteLine(string.Create(c, $"predict batch {predBatch.Shape[0]}: {TimedLoop.Median(t100) * 1e3:F3} ms, batch 1: {TimedLoop.Median(t1) * 1e3:F3} ms (medians); compile {compilePredict:F3} s{check}"));
        Console.WriteLine(string.Create(c,
            $"train region: cores self {(double)trainInfo["cores_self"]:F2}, other {trainInfo.GetValueOrDefault("cores_other", double.NaN):F2}, GC pause {(double)trainInfo["gc_pause_s"]:F2} s, minor page faults in steps {stepTrace.GcSummary()["minor_faults_in_steps"]}; load average at start {loadAverage:F2}"));
        if (o.Profile) StepProfileSummary.Print(profileRows, stepProfile, flops, Console.Out);
        if (o.Profile && !o.Eager && compiledPredict is not null)
        {
            PredictionProfile.Print(compiledPredict, predBatch, Math.Max(o.PredReps, 20), Console.Out);
            PredictionProfile.Print(compiledPredict, predSingle, Math.Max(o.SingleReps, 20), Console.Out);
        }
        return 0;
    }

    /// <summary>The FLOPs of one step: the traced forward and backward, plus the optimiser's update of every parameter.</summary>
    private FlopCount CountStepFlops(Module model, Tensor[] batch)
    {
        BenchModelSpec spec = Spec;
        StepTape step = Grad.TraceStep(model, b => [spec.Loss(spec.Forward(model, b), b)], batch);
        FlopCount traced = FlopCounter.Count(step.Tape);
        double adam = 0;
        foreach (Tensor p in model.Parameters())
            if (p.RequiresGrad) adam += FlopCounter.OfCall("adam_update_", Primitives.Attributes.Empty, [p.Spec], p.Spec) ?? 0;
        var byPrimitive = new SortedDictionary<string, double>(traced.ByPrimitive.ToDictionary(), StringComparer.Ordinal) { ["adam_update_"] = adam };
        return traced with { Total = traced.Total + adam, ByPrimitive = byPrimitive };
    }

    // The compiled prediction Predictor made last (profiled with --profile).
    private CompiledFunction? _compiledPrediction;

    private Func<Tensor, Tensor[]> Predictor(Module model, bool eager)
    {
        if (eager) return x => Predict(model, x);
        CompiledFunction compiled = CompilePrediction(model);
        _compiledPrediction = compiled;
        return x => compiled.Invoke(x);
    }

    private static double TimeFirstCall(Func<Tensor, Tensor[]> predict, Tensor images)
    {
        long t0 = Stopwatch.GetTimestamp();
        using (new NoGrad()) predict(images);
        return Stopwatch.GetElapsedTime(t0).TotalSeconds;
    }

    /// <summary>The largest |compiled − eager| over the deterministic prediction output: the compiled figures must be of the same computation.</summary>
    private double MaxAbsDifference(Func<Tensor, Tensor[]> compiled, Func<Tensor, Tensor[]> eager, Tensor images)
    {
        using var noGrad = new NoGrad();
        double[] a = compiled(images)[CheckedPredictionOutput].To(DType.Float64).ToDoubleArray();
        double[] b = eager(images)[CheckedPredictionOutput].To(DType.Float64).ToDoubleArray();
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs(a[i] - b[i]));
        return max;
    }

    private static List<double> TimePredict(Func<Tensor, Tensor[]> predict, Tensor images, int reps, int warm)
    {
        var times = new List<double>(reps);
        using (new NoGrad())
        {
            for (int i = 0; i < warm; i++) predict(images);
            for (int i = 0; i < reps; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                predict(images);
                times.Add(Stopwatch.GetElapsedTime(t0).TotalSeconds);
            }
        }
        return times;
    }
}
