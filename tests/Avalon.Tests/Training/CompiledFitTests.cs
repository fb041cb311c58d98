using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training;
using Avalon.Training.Callbacks;
using Avalon.Training.Checkpoints;
using Avalon.Training.Metrics;
using Avalon.Training.Progress;
using static Avalon.Tests.Training.TrainingTestSupport;

namespace Avalon.Tests.Training;

/// <summary>
/// Fit's default, compiled path (<see cref="FitOptions.Compile"/>) against the eager loop: the same
/// history and weights, the non-finite guard before the update, and the fallback to eager with a notice.
/// </summary>
public sealed class CompiledFitTests
{
    private const int StepsPerEpoch = 10;

    private static FitOptions Options(bool compile, NonFiniteAction onNonFinite = NonFiniteAction.Stop)
    {
        var options = Quiet();
        options.Compile = compile;
        options.OnNonFinite = onNonFinite;
        return options;
    }

    /// <summary>Options whose plain progress lines (and any fallback notice) are written to the returned writer.</summary>
    private static (FitOptions Options, StringWriter Output) PlainOptions(bool compile)
    {
        var options = Options(compile);
        var output = new StringWriter();
        options.Progress = ProgressMode.Plain;
        options.ProgressOutput = output;
        return (options, output);
    }

    /// <summary>A network with every kind of state a step touches: BatchNorm's running statistics and dropout's random masks.</summary>
    private static Sequential StatefulNet(ulong seed)
    {
        var generator = new Generator(seed);
        return new Sequential(
            new Linear(2, 16, generator: generator), new BatchNorm1d(16), new ReLU(), new Dropout(0.2, generator: generator),
            new Linear(16, 2, generator: generator));
    }

    /// <summary>Blobs with NaN features in the given rows (shuffling off, row r is in batch r / 40 + 1).</summary>
    private static TensorDataset BlobsWithNaNRows(params int[] rows)
    {
        var (features, labels) = BlobArrays(400, seed: 2);
        foreach (int r in rows) features[2 * r] = float.NaN;
        return new TensorDataset(Tensor.From(features, 400, 2), Tensor.From(labels, 400));
    }

    private static void AssertClose(double expected, double actual, double tolerance = 1e-5) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1, Math.Abs(expected)), $"expected {expected}, got {actual}");

    private static void AssertSameWeights(Dictionary<string, double[]> expected, Dictionary<string, double[]> actual)
    {
        Assert.Equal(expected.Keys, actual.Keys);
        foreach (var (name, values) in expected)
            for (int i = 0; i < values.Length; i++) AssertClose(values[i], actual[name][i], 1e-4);
    }

    public static TheoryData<string> Optimizers => new() { "sgd", "sgd-momentum", "adam", "adamw" };

    private static Optimizer NewOptimizer(string name, Module model) => name switch
    {
        "sgd" => new Sgd(model.Parameters(), lr: 0.1),
        "sgd-momentum" => new Sgd(model.Parameters(), lr: 0.05, momentum: 0.9, nesterov: true),
        "adam" => new Adam(model.Parameters(), lr: 0.01),
        _ => new AdamW(model.Parameters(), lr: 0.01, weightDecay: 0.1),
    };

    [Theory]
    [MemberData(nameof(Optimizers))]
    public void CompiledFitGivesTheEagerHistoryAndWeights(string optimizerName)
    {
        // Batch 48 over 400 samples: 8 full batches and one of 16, so each epoch runs two signatures.
        TrainingHistory Train(bool compile, out Dictionary<string, double[]> weights, out Dictionary<string, double[]> buffers)
        {
            var model = StatefulNet(seed: 3);
            var (options, progress) = PlainOptions(compile);
            var history = model.Fit(CrossEntropy, NewOptimizer(optimizerName, model), Blobs(400, seed: 2), epochs: 3, batchSize: 48,
                validation: Blobs(100, seed: 5), metrics: [new Accuracy()], options: options);
            Assert.DoesNotContain("compiled step unavailable", progress.ToString());
            weights = Snapshot(model);
            buffers = model.NamedBuffers().ToDictionary(b => b.Key, b => b.Value.ToDoubleArray());
            return history;
        }
        var eager = Train(compile: false, out var eagerWeights, out var eagerBuffers);
        var compiled = Train(compile: true, out var compiledWeights, out var compiledBuffers);

        Assert.Equal(eager.Count, compiled.Count);
        for (int e = 0; e < eager.Count; e++)
        {
            AssertClose(eager.Epochs[e].TrainLoss, compiled.Epochs[e].TrainLoss);
            AssertClose(eager.Epochs[e].ValidationLoss!.Value, compiled.Epochs[e].ValidationLoss!.Value);
            AssertClose(eager.Epochs[e].Metrics["accuracy"], compiled.Epochs[e].Metrics["accuracy"]);
        }
        AssertSameWeights(eagerWeights, compiledWeights);
        AssertSameWeights(eagerBuffers, compiledBuffers);
    }

    [Fact]
    public void CompileIsTheDefault() => Assert.True(new FitOptions().Compile);

    [Fact]
    public void StopRaisesBeforeTheUpdateAndLeavesTheWeightsOfTheLastGoodStep()
    {
        string dir = Directory.CreateTempSubdirectory("avalon-compiled-nonfinite-").FullName;
        try
        {
            string path = Path.Combine(dir, "best.safetensors");
            var model = new Mlp(2, 8, 2, seed: 1);
            var optimizer = new Adam(model.Parameters(), lr: 0.01);
            Dictionary<string, double[]>? lastGood = null;
            var snapshot = new LambdaCallback(onBatchEnd: _ => lastGood = Snapshot(model));
            var options = Options(compile: true);
            options.Shuffle = false;
            // Row 45 is in batch 2 of every epoch.
            var e = Assert.Throws<NonFiniteException>(() =>
                model.Fit(CrossEntropy, optimizer, BlobsWithNaNRows(45), epochs: 3, batchSize: 40,
                    callbacks: [new ModelCheckpoint(path, monitor: "loss"), snapshot], options: options));

            Assert.Equal(1, e.Epoch);
            Assert.Equal(2, e.Batch);
            Assert.Equal("loss", e.Tensor);
            Assert.Contains("The optimiser step was not applied", e.Message);
            Assert.Equal(lastGood, Snapshot(model));
            Assert.Equal(1.0, (double)optimizer.StateDict().State[0]["step"]);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void StopNamesTheFirstNonFiniteGradientWhenTheLossIsFinite()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        var before = Snapshot(model);
        // d/do sqrt(|o − o|)·0 at 0 is ∞·0 = NaN on every batch, while the loss stays finite.
        var e = Assert.Throws<NonFiniteException>(() =>
            model.Fit((o, t) => CrossEntropy(o, t) + ((o - o.Detach()).Abs().Sqrt() * 0.0).Sum(), new Adam(model.Parameters(), lr: 0.01),
                Blobs(400, seed: 2), epochs: 1, batchSize: 40, options: Options(compile: true)));
        Assert.Equal(1, e.Batch);
        Assert.True(double.IsFinite(e.Loss));
        Assert.Equal("grad of fc1.weight", e.Tensor);
        Assert.Equal(before, Snapshot(model));
    }

    [Fact]
    public void SkipLeavesTheWeightsAloneForTheBadBatchesAndCountsThem()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        Dictionary<string, double[]>? before = null, after = null;
        var watch = new LambdaCallback(
            onBatchBegin: c => { if (c.GlobalStep == StepsPerEpoch + 1) before = Snapshot(model); },
            onBatchEnd: c => { if (c.GlobalStep == StepsPerEpoch + 2) after = Snapshot(model); });
        var options = Options(compile: true, NonFiniteAction.Skip);
        options.Shuffle = false;
        // Rows 45 and 130: batches 2 and 4 of each epoch.
        var history = model.Fit(CrossEntropy, new Adam(model.Parameters(), lr: 0.01), BlobsWithNaNRows(45, 130), epochs: 2, batchSize: 40,
            callbacks: [watch], options: options);

        Assert.Equal(2, history.Epochs[0].SkippedSteps);
        Assert.Equal(2, history.Epochs[1].SkippedSteps);
        Assert.True(double.IsFinite(history.Epochs[1].TrainLoss), "skipped batches are left out of the mean loss");
        Assert.Equal(before, after);
        Assert.All(model.Parameters(), p => Assert.All(p.ToDoubleArray(), v => Assert.True(double.IsFinite(v))));
    }

    [Fact]
    public void SkipGivesTheEagerResult()
    {
        Dictionary<string, double[]> Train(bool compile)
        {
            var model = new Mlp(2, 8, 2, seed: 1);
            var options = Options(compile, NonFiniteAction.Skip);
            options.Shuffle = false;
            model.Fit(CrossEntropy, new Adam(model.Parameters(), lr: 0.01), BlobsWithNaNRows(45, 130, 399), epochs: 2, batchSize: 40, options: options);
            return Snapshot(model);
        }
        AssertSameWeights(Train(compile: false), Train(compile: true));
    }

    [Fact]
    public void AnUpdateThatOverflowsStopsRightAfterTheStep()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        var e = Assert.Throws<NonFiniteException>(() =>
            model.Fit((o, t) => CrossEntropy(o, t) * 1e30, new Sgd(model.Parameters(), lr: 1e30), Blobs(400, seed: 2), epochs: 1, batchSize: 40,
                options: Options(compile: true)));
        Assert.Equal(1, e.Batch);
        Assert.StartsWith("parameter ", e.Tensor);
        Assert.Contains("The update itself produced it", e.Message);
    }

    [Fact]
    public void AnOptimizerWithoutAMultiTensorUpdateTrainsEagerlyAfterANotice()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        var (options, output) = PlainOptions(compile: true);
        var history = model.Fit(CrossEntropy, new RmsProp(model.Parameters(), lr: 0.01), Blobs(400, seed: 2), epochs: 2, batchSize: 40, options: options);
        var notice = output.ToString().Split('\n').Where(l => l.StartsWith("compiled step unavailable", StringComparison.Ordinal)).ToList();
        Assert.Single(notice);
        Assert.Contains("RmsProp", notice[0]);
        Assert.EndsWith("; training eagerly", notice[0].TrimEnd());
        Assert.True(history.Epochs[1].TrainLoss < history.Epochs[0].TrainLoss);
    }

    [Fact]
    public void ALossThatReadsValuesOnTheHostFallsBackAfterItsFirstStepWithoutRunningItTwice()
    {
        int calls = 0;
        Tensor HostReadingLoss(Tensor o, Tensor t)
        {
            calls++;
            var loss = CrossEntropy(o, t);
            return loss.Item() > 100 ? loss * 0.5 : loss;      // control flow on a value: not compilable
        }
        var model = new Mlp(2, 8, 2, seed: 1);
        var (options, output) = PlainOptions(compile: true);
        var history = model.Fit(HostReadingLoss, new Adam(model.Parameters(), lr: 0.01), Blobs(400, seed: 2), epochs: 1, batchSize: 40, options: options);
        Assert.Equal(StepsPerEpoch, calls);
        Assert.Contains("compiled step unavailable (TrainStep: the traced step read 1 traced value(s) on the host", output.ToString());
        Assert.True(double.IsFinite(history.Epochs[0].TrainLoss));
    }

    [Fact]
    public void PredictIsCompiledByDefaultAndGivesTheEagerOutputs()
    {
        var model = StatefulNet(seed: 4);
        model.Fit(CrossEntropy, new Adam(model.Parameters(), lr: 0.01), Blobs(400, seed: 2), epochs: 1, batchSize: 40, options: Options(compile: true));
        var data = Blobs(250, seed: 9);
        var compiled = model.Predict(data, batchSize: 64).ToArray<float>();
        var eager = model.Predict(data, batchSize: 64, compile: false).ToArray<float>();
        Assert.Equal(eager.Length, compiled.Length);
        for (int i = 0; i < eager.Length; i++) AssertClose(eager[i], compiled[i]);
    }
}
