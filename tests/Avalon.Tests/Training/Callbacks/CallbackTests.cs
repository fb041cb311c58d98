using Avalon.Optim;
using Avalon.Optim.Schedulers;
using Avalon.Training;
using Avalon.Training.Callbacks;
using Avalon.Training.Checkpoints;
using Avalon.Training.Metrics;
using static Avalon.Tests.Training.TrainingTestSupport;

namespace Avalon.Tests.Training.Callbacks;

public sealed class CallbackTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("avalon-callbacks-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>A callback that overwrites a log entry with a scripted value per epoch, before the callbacks after it run.</summary>
    private static LambdaCallback Script(string key, params double[] values) =>
        new(onEpochEnd: c => c.Logs[key] = values[c.Epoch - 1]);

    private static TrainingHistory Train(Mlp model, Optimizer optimizer, int epochs, params ICallback[] callbacks) =>
        model.Fit(CrossEntropy, optimizer, Blobs(64, seed: 2), epochs, batchSize: 16, metrics: [new Accuracy()], callbacks: callbacks, options: Quiet());

    private static TrainingHistory Train(int epochs, params ICallback[] callbacks)
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        return Train(model, new Sgd(model.Parameters(), lr: 0.05), epochs, callbacks);
    }

    [Theory]
    // val_loss per epoch; with patience p training stops after p epochs in a row without improvement.
    [InlineData(0, 3)]   // 1.0, 0.8, 0.9 → stop at 3 (first non-improving epoch)
    [InlineData(1, 3)]
    [InlineData(2, 6)]   // 0.9 (wait 1), 0.7 improves, 0.75 (1), 0.71 (2) → stop at 6
    [InlineData(3, 7)]   // ... 0.70 only ties the best 0.7, so it does not count (3) → stop at 7
    [InlineData(10, 10)] // never stops early: all 10 epochs run
    public void EarlyStoppingStopsAfterPatienceEpochsWithoutImprovement(int patience, int expectedEpochs)
    {
        double[] valLoss = [1.0, 0.8, 0.9, 0.7, 0.75, 0.71, 0.70, 0.72, 0.73, 0.74];
        var stopping = new EarlyStopping("val_loss", patience: patience);

        var history = Train(10, Script("val_loss", valLoss), stopping);

        Assert.Equal(expectedEpochs, history.Count);
        Assert.Equal(expectedEpochs < 10, history.StoppedEarly);
        Assert.Equal(expectedEpochs < 10 ? expectedEpochs : null, stopping.StoppedEpoch);
        Assert.Equal(MonitorMode.Min, stopping.Mode);
        Assert.Equal(valLoss[..expectedEpochs], history.Series("val_loss"));
    }

    [Fact]
    public void EarlyStoppingHonoursMinDeltaAndMaxMode()
    {
        // 0.70 beats 0.71 by less than minDelta 0.05: no improvement, so patience 2 runs out at epoch 4.
        var minDelta = new EarlyStopping("val_loss", patience: 2, minDelta: 0.05);
        Assert.Equal(4, Train(10, Script("val_loss", 0.8, 0.71, 0.70, 0.69, 0.5), minDelta).Count);

        var accuracy = new EarlyStopping("val_accuracy", patience: 1);
        Assert.Equal(MonitorMode.Max, accuracy.Mode);
        var history = Train(10, Script("val_accuracy", 0.5, 0.6, 0.6, 0.9), accuracy);
        Assert.Equal(3, history.Count);
        Assert.Equal(0.6, accuracy.Best);
        Assert.Equal(2, accuracy.BestEpoch);
    }

    [Fact]
    public void EarlyStoppingRestoresTheBestWeights()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        Dictionary<string, double[]>? atBest = null;
        var capture = new LambdaCallback(onEpochEnd: c => { if (c.Epoch == 2) atBest = Snapshot(c.Model); });
        var stopping = new EarlyStopping("val_loss", patience: 2, restoreBestWeights: true);

        var history = Train(model, new Sgd(model.Parameters(), lr: 0.05), 10, Script("val_loss", 1.0, 0.5, 0.6, 0.7, 0.8), capture, stopping);

        Assert.Equal(4, history.Count);
        Assert.Equal(2, stopping.BestEpoch);
        Assert.Equal(atBest, Snapshot(model));
        Assert.Equal(2, history.RestoredEpoch);
        var svg = history.ToCurve().ToSvg();
        Assert.Contains("class=\"marker\"", svg);
        Assert.Contains("restored epoch 2", svg);
        Assert.Contains("restored epoch 2", history.ToText());
    }

    [Fact]
    public void WithoutARestoreTheChartHasNoMarker()
    {
        var history = Train(3, Script("val_loss", 1.0, 0.5, 0.4), new EarlyStopping("val_loss", patience: 2, restoreBestWeights: true));
        Assert.Null(history.RestoredEpoch);
        Assert.DoesNotContain("class=\"marker\"", history.ToCurve().ToSvg());
    }

    [Fact]
    public void MonitoringAnAbsentValueNamesTheKnownKeys()
    {
        var error = Assert.Throws<KeyNotFoundException>(() => Train(2, new EarlyStopping("val_loss")));
        Assert.Contains("'val_loss' is not in the epoch's logs (known: loss, accuracy, lr)", error.Message);
        Assert.Contains("Pass validation data to Fit", error.Message);
    }

    [Fact]
    public void ModelCheckpointKeepsTheBestEpoch()
    {
        string path = Path.Combine(_folder, "best.safetensors");
        var model = new Mlp(2, 8, 2, seed: 1);
        Dictionary<string, double[]>? atBest = null;
        var capture = new LambdaCallback(onEpochEnd: c => { if (c.Epoch == 3) atBest = Snapshot(c.Model); });
        var keepBest = new ModelCheckpoint(path, monitor: "val_accuracy");

        Train(model, new Sgd(model.Parameters(), lr: 0.05), 5, Script("val_accuracy", 0.5, 0.7, 0.9, 0.8, 0.85), capture, keepBest);

        Assert.Equal(3, keepBest.BestEpoch);
        Assert.Equal(path, keepBest.LastSavedPath);
        var checkpoint = Checkpoint.Load(path);
        Assert.Equal(3, checkpoint.Epoch);
        Assert.Equal("val_accuracy", checkpoint.Metadata["monitor"]);
        Assert.Equal("0.9", checkpoint.Metadata["value"]);
        Assert.Null(checkpoint.OptimizerState);
        var restored = new Mlp(2, 8, 2, seed: 99);
        restored.Load(path);
        Assert.Equal(atBest, Snapshot(restored));
        Assert.Empty(Directory.GetFiles(_folder, "*.tmp-*"));
    }

    [Fact]
    public void ModelCheckpointCanSaveEveryEpochWithTheOptimizer()
    {
        var every = new ModelCheckpoint(Path.Combine(_folder, "epoch-{epoch:00}.safetensors"), saveBestOnly: false, saveOptimizer: true);
        Train(3, every);

        Assert.Equal(["epoch-01.safetensors", "epoch-02.safetensors", "epoch-03.safetensors"],
            Directory.GetFiles(_folder).Select(Path.GetFileName).Order());
        var checkpoint = Checkpoint.Load(Path.Combine(_folder, "epoch-02.safetensors"));
        Assert.Equal(2, checkpoint.Epoch);
        Assert.NotNull(checkpoint.OptimizerState);
        Assert.False(checkpoint.Metadata.ContainsKey("value"));   // val_loss is not logged without validation data
    }

    [Fact]
    public void SchedulerStepsPerEpochAndRecordsTheRateUsed()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        var optimizer = new Sgd(model.Parameters(), lr: 0.1);
        var schedule = new StepLR(optimizer, stepSize: 2, gamma: 0.5);

        var history = Train(model, optimizer, 5, new LearningRateSchedulerCallback(schedule));

        Assert.Equal([0.1, 0.1, 0.05, 0.05, 0.025], history.Series("lr"));
        Assert.Equal(5, schedule.LastEpoch);
        Assert.Equal(0.025, optimizer.ParamGroups[0].LearningRate, 15);
    }

    [Fact]
    public void SchedulerStepsPerBatch()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        var optimizer = new Sgd(model.Parameters(), lr: 1.0);
        var schedule = new ExponentialLR(optimizer, gamma: 0.5);
        var ratesSeen = new List<double>();
        var probe = new LambdaCallback(onBatchBegin: c => ratesSeen.Add(c.Optimizer.ParamGroups[0].LearningRate));

        var history = Train(model, optimizer, 2, probe, new LearningRateSchedulerCallback(schedule, SchedulerInterval.Batch));

        // 64 samples / 16 = 4 steps per epoch; the rate halves after each.
        Assert.Equal(Enumerable.Range(0, 8).Select(i => Math.Pow(0.5, i)), ratesSeen);
        Assert.Equal([1.0, 1.0 / 16], history.Series("lr"));
        Assert.Equal(8, schedule.LastEpoch);
    }

    [Fact]
    public void ReduceLROnPlateauGetsTheMonitoredValue()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        var optimizer = new Sgd(model.Parameters(), lr: 0.1);
        var plateau = new ReduceLROnPlateau(optimizer, factor: 0.5, patience: 1);

        var history = Train(model, optimizer, 6, Script("val_loss", 1.0, 0.9, 0.95, 0.96, 0.97, 0.98), new LearningRateSchedulerCallback(plateau, "val_loss"));

        // Bad epochs 3 and 4 exceed patience 1 at epoch 4; bad epochs 5 and 6 at epoch 6.
        Assert.Equal([0.1, 0.1, 0.1, 0.1, 0.05, 0.05], history.Series("lr"));
        Assert.Equal(0.025, optimizer.ParamGroups[0].LearningRate, 15);
    }

    [Fact]
    public void SchedulerOverAnotherOptimizerIsAnError()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        var other = new Sgd(new Mlp(2, 8, 2, seed: 1).Parameters(), lr: 0.1);
        var error = Assert.Throws<ArgumentException>(() =>
            Train(model, new Sgd(model.Parameters(), lr: 0.1), 1, new LearningRateSchedulerCallback(new StepLR(other, 1))));
        Assert.Contains("schedules a different Sgd", error.Message);
    }

    [Fact]
    public void CallbacksSeeEventsInOrderAndCanStopMidEpoch()
    {
        var events = new List<string>();
        var log = new LambdaCallback(
            onTrainBegin: c => events.Add("train-begin"),
            onEpochBegin: c => events.Add($"epoch-begin {c.Epoch}"),
            onBatchBegin: c => events.Add($"batch-begin {c.Epoch}.{c.Step}"),
            onBatchEnd: c =>
            {
                events.Add($"batch-end {c.Epoch}.{c.Step} global {c.GlobalStep}");
                if (c.Epoch == 2 && c.Step == 2) c.StopTraining = true;
            },
            onEpochEnd: c => events.Add($"epoch-end {c.Epoch} logs {string.Join(",", c.Logs.Keys)} history {c.History.Count}"),
            onTrainEnd: c => events.Add($"train-end {c.Epoch}"));

        var history = Train(5, log);

        Assert.Equal(
        [
            "train-begin",
            "epoch-begin 1",
            "batch-begin 1.0", "batch-end 1.1 global 1", "batch-begin 1.1", "batch-end 1.2 global 2",
            "batch-begin 1.2", "batch-end 1.3 global 3", "batch-begin 1.3", "batch-end 1.4 global 4",
            "epoch-end 1 logs loss,accuracy,lr history 0",
            "epoch-begin 2",
            "batch-begin 2.0", "batch-end 2.1 global 5", "batch-begin 2.1", "batch-end 2.2 global 6",
            "epoch-end 2 logs loss,accuracy,lr history 1",
            "train-end 2",
        ], events);
        Assert.Equal(2, history.Count);
        Assert.True(history.StoppedEarly);
    }

    [Fact]
    public void CallbackLogEntriesAreKeptInTheHistory()
    {
        var history = Train(2, new LambdaCallback(onEpochEnd: c => c.Logs["custom"] = c.Epoch * 10));
        Assert.Equal([10.0, 20.0], history.Series("custom"));
    }
}
