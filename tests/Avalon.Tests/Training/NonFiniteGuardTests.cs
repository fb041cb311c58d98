using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training;
using Avalon.Training.Callbacks;
using Avalon.Training.Checkpoints;
using Avalon.Training.Metrics;
using static Avalon.Tests.Training.TrainingTestSupport;

namespace Avalon.Tests.Training;

/// <summary>
/// The eager loop's non-finite guard. The losses here turn NaN at a given call (a counter in the closure),
/// which only the eager loop follows: a compiled step calls the loss once, while tracing.
/// <see cref="CompiledFitTests"/> checks the compiled path's guard with NaNs that come from the data.
/// </summary>
public sealed class NonFiniteGuardTests
{
    private static FitOptions Eager()
    {
        var options = Quiet();
        options.Compile = false;
        return options;
    }

    // 400 samples in batches of 40: 10 steps per epoch.
    private const int StepsPerEpoch = 10;

    /// <summary>The cross-entropy, made NaN at the given global steps (1-based); the gradients are then NaN too.</summary>
    private static Func<Tensor, Tensor, Tensor> NaNLossAt(params int[] steps)
    {
        int call = 0;
        return (o, t) =>
        {
            call++;
            var loss = CrossEntropy(o, t);
            return steps.Contains(call) ? loss * double.NaN : loss;
        };
    }

    /// <summary>The cross-entropy, finite everywhere, whose gradient is NaN at the given global step: d/dx sqrt(|x − x|)·0 at 0 is 0/0.</summary>
    private static Func<Tensor, Tensor, Tensor> NaNGradientAt(int step)
    {
        int call = 0;
        return (o, t) =>
        {
            call++;
            var loss = CrossEntropy(o, t);
            return call == step ? loss + ((o - o.Detach()).Abs().Sqrt() * 0.0).Sum() : loss;
        };
    }

    private static (Mlp Model, Optimizer Optimizer) NewModel()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        return (model, new Adam(model.Parameters(), lr: 0.01));
    }

    [Fact]
    public void StopIsTheDefaultAndNamesTheStepAndTheLoss()
    {
        var (model, optimizer) = NewModel();
        Assert.Equal(NonFiniteAction.Stop, new FitOptions().OnNonFinite);
        var e = Assert.Throws<NonFiniteException>(() =>
            model.Fit(NaNLossAt(StepsPerEpoch + 3), optimizer, Blobs(400, seed: 2), epochs: 3, batchSize: 40, options: Eager()));
        Assert.Equal(2, e.Epoch);
        Assert.Equal(3, e.Batch);
        Assert.Equal("loss", e.Tensor);
        Assert.True(double.IsNaN(e.Loss));
        Assert.Contains("epoch 2, batch 3 of 10", e.Message);
        Assert.Contains("loss NaN", e.Message);
        Assert.IsAssignableFrom<InvalidOperationException>(e);
    }

    [Fact]
    public void StopNamesTheFirstNonFiniteGradientWhenTheLossIsFinite()
    {
        var (model, optimizer) = NewModel();
        var e = Assert.Throws<NonFiniteException>(() =>
            model.Fit(NaNGradientAt(4), optimizer, Blobs(400, seed: 2), epochs: 1, batchSize: 40, options: Eager()));
        Assert.Equal(1, e.Epoch);
        Assert.Equal(4, e.Batch);
        Assert.True(double.IsFinite(e.Loss));
        Assert.Equal("grad of fc1.weight", e.Tensor);
        Assert.True(double.IsNaN(e.Value));
        Assert.Contains("grad of fc1.weight", e.Message);
    }

    [Fact]
    public void StopLeavesTheWeightsOfTheLastGoodStepAndTheKeepBestCheckpointIntact()
    {
        string dir = Directory.CreateTempSubdirectory("avalon-nonfinite-").FullName;
        try
        {
            string path = Path.Combine(dir, "best.safetensors");
            var (model, optimizer) = NewModel();
            Dictionary<string, double[]>? lastGood = null;
            var snapshot = new LambdaCallback(onBatchEnd: _ => lastGood = Snapshot(model));
            var keepBest = new ModelCheckpoint(path, monitor: "loss");
            Assert.Throws<NonFiniteException>(() =>
                model.Fit(NaNLossAt(StepsPerEpoch + 5), optimizer, Blobs(400, seed: 2), epochs: 3, batchSize: 40,
                    callbacks: [keepBest, snapshot], options: Eager()));

            Assert.Equal(lastGood, Snapshot(model));
            Assert.All(model.Parameters(), p => Assert.All(p.ToDoubleArray(), v => Assert.True(double.IsFinite(v))));
            var fresh = new Mlp(2, 8, 2, seed: 99);
            var checkpoint = fresh.Load(path);
            Assert.Equal(1, checkpoint.Epoch);
            Assert.All(fresh.Parameters(), p => Assert.All(p.ToDoubleArray(), v => Assert.True(double.IsFinite(v))));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void AnUpdateThatOverflowsStopsRightAfterTheStep()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        var optimizer = new Sgd(model.Parameters(), lr: 1e30);
        var e = Assert.Throws<NonFiniteException>(() =>
            model.Fit((o, t) => CrossEntropy(o, t) * 1e30, optimizer, Blobs(400, seed: 2), epochs: 1, batchSize: 40, options: Eager()));
        Assert.Equal(1, e.Batch);
        Assert.StartsWith("parameter ", e.Tensor);
        Assert.True(double.IsFinite(e.Loss));
        Assert.Contains("The update itself produced it", e.Message);
    }

    [Fact]
    public void SkipLeavesTheWeightsAloneForTheBadBatchAndCountsIt()
    {
        var (model, optimizer) = NewModel();
        Dictionary<string, double[]>? before = null, after = null;
        var watch = new LambdaCallback(
            onBatchBegin: c => { if (c.GlobalStep == 12) before = Snapshot(model); },
            onBatchEnd: c => { if (c.GlobalStep == 13) after = Snapshot(model); });
        var options = Eager();
        options.OnNonFinite = NonFiniteAction.Skip;
        var history = model.Fit(NaNLossAt(13, 15, StepsPerEpoch + 15), optimizer, Blobs(400, seed: 2), epochs: 2, batchSize: 40,
            metrics: [new Accuracy()], callbacks: [watch], options: options);

        Assert.Equal(2, history.Count);
        Assert.Equal(0, history.Epochs[0].SkippedSteps);
        Assert.Equal(0, history.Epochs[0].Logs["skipped_steps"]);
        Assert.Equal(2, history.Epochs[1].SkippedSteps);
        Assert.Equal(2, history.Epochs[1].Logs["skipped_steps"]);
        Assert.Equal(2, history.SkippedSteps);
        Assert.True(double.IsFinite(history.Epochs[1].TrainLoss), "skipped batches are left out of the mean loss");
        Assert.NotNull(before);
        Assert.Equal(before, after);
        Assert.All(model.Parameters(), p => Assert.All(p.ToDoubleArray(), v => Assert.True(double.IsFinite(v))));
    }

    [Fact]
    public void SkipAlsoSkipsANonFiniteGradientWithAFiniteLoss()
    {
        var (model, optimizer) = NewModel();
        var options = Eager();
        options.OnNonFinite = NonFiniteAction.Skip;
        var history = model.Fit(NaNGradientAt(2), optimizer, Blobs(400, seed: 2), epochs: 1, batchSize: 40, options: options);
        Assert.Equal(1, history.Epochs[0].SkippedSteps);
        Assert.All(model.Parameters(), p => Assert.All(p.ToDoubleArray(), v => Assert.True(double.IsFinite(v))));
    }

    [Fact]
    public void IgnoreAppliesTheNonFiniteStep()
    {
        var (model, optimizer) = NewModel();
        var options = Eager();
        options.OnNonFinite = NonFiniteAction.Ignore;
        var history = model.Fit(NaNLossAt(3), optimizer, Blobs(400, seed: 2), epochs: 1, batchSize: 40, options: options);
        Assert.Equal(1, history.Count);
        Assert.Equal(0, history.Epochs[0].SkippedSteps);
        Assert.False(history.Epochs[0].Logs.ContainsKey("skipped_steps"));
        Assert.Contains(model.Parameters(), p => p.ToDoubleArray().Any(double.IsNaN));
    }

    [Fact]
    public void AnUndefinedActionIsRejected()
    {
        var (model, optimizer) = NewModel();
        var options = Eager();
        options.OnNonFinite = (NonFiniteAction)7;
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            model.Fit(CrossEntropy, optimizer, Blobs(40, seed: 2), epochs: 1, batchSize: 40, options: options));
        Assert.Contains("OnNonFinite", e.Message);
    }
}
