using Avalon.Nn;
using Avalon.Optim;
using Avalon.Optim.Schedulers;
using Avalon.Training.Checkpoints;
using static Avalon.Tests.Training.TrainingTestSupport;

namespace Avalon.Tests.Training.Checkpoints;

/// <summary><c>model.Save</c>/<c>Load</c> with a learning-rate scheduler: the state round-trips and resuming is bit-identical.</summary>
public sealed class SchedulerCheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("avalon-sched-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static ILearningRateScheduler Create(string kind, Optimizer optimizer) => kind switch
    {
        "StepLR" => new StepLR(optimizer, stepSize: 2, gamma: 0.5),
        "MultiStepLR" => new MultiStepLR(optimizer, [1, 3, 4], gamma: 0.3),
        "CosineAnnealingLR" => new CosineAnnealingLR(optimizer, tMax: 4, etaMin: 1e-4),
        "ExponentialLR" => new ExponentialLR(optimizer, gamma: 0.8),
        "OneCycleLR" => new OneCycleLR(optimizer, maxLr: 0.05, totalSteps: 20),
        "ReduceLROnPlateau" => new ReduceLROnPlateau(optimizer, patience: 0, factor: 0.5),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static void Epoch(Module model, Optimizer optimizer, ILearningRateScheduler scheduler, int epoch)
    {
        TransactionalLoadTests.Steps(model, optimizer, 2, seed: (ulong)(10 + epoch));
        if (scheduler is ReduceLROnPlateau plateau) plateau.Step(1.0);   // never improves: the rate halves
        else ((LRScheduler)scheduler).Step();
    }

    [Theory]
    [InlineData("StepLR")]
    [InlineData("MultiStepLR")]
    [InlineData("CosineAnnealingLR")]
    [InlineData("ExponentialLR")]
    [InlineData("OneCycleLR")]
    [InlineData("ReduceLROnPlateau")]
    public void ResumingWithTheSchedulerContinuesBitIdentically(string kind)
    {
        var uninterrupted = new Mlp(2, 8, 2, seed: 1);
        var uninterruptedOptimizer = new Sgd(uninterrupted.Parameters(), lr: 0.05, momentum: 0.9);
        var uninterruptedScheduler = Create(kind, uninterruptedOptimizer);
        for (int e = 0; e < 6; e++) Epoch(uninterrupted, uninterruptedOptimizer, uninterruptedScheduler, e);

        var first = new Mlp(2, 8, 2, seed: 1);
        var firstOptimizer = new Sgd(first.Parameters(), lr: 0.05, momentum: 0.9);
        var firstScheduler = Create(kind, firstOptimizer);
        for (int e = 0; e < 3; e++) Epoch(first, firstOptimizer, firstScheduler, e);
        string path = Path.Combine(_folder, "resume.safetensors");
        first.Save(path, firstOptimizer, epoch: 3, scheduler: firstScheduler);

        var resumed = new Mlp(2, 8, 2, seed: 5);
        var resumedOptimizer = new Sgd(resumed.Parameters(), lr: 0.9, momentum: 0.9);
        var resumedScheduler = Create(kind, resumedOptimizer);
        var checkpoint = resumed.Load(path, resumedOptimizer, scheduler: resumedScheduler);
        Assert.Equal(kind, checkpoint.SchedulerState!.Type);
        Assert.Equal(firstScheduler.StateDict(), resumedScheduler.StateDict());
        for (int e = 3; e < 6; e++) Epoch(resumed, resumedOptimizer, resumedScheduler, e);

        Assert.Equal(Snapshot(uninterrupted), Snapshot(resumed));
        Assert.Equal(uninterruptedOptimizer.ParamGroups[0].LearningRate, resumedOptimizer.ParamGroups[0].LearningRate);
        Assert.Equal(uninterruptedScheduler.StateDict(), resumedScheduler.StateDict());
    }

    [Fact]
    public void AFileWithoutSchedulerStateIsRejectedWhenASchedulerIsGiven()
    {
        var model = new Mlp(2, 4, 2, seed: 1);
        var sgd = new Sgd(model.Parameters(), lr: 0.1);
        string path = Path.Combine(_folder, "no-scheduler.safetensors");
        model.Save(path, sgd);
        var scheduler = new StepLR(sgd, stepSize: 1);
        var before = scheduler.StateDict();
        var error = Assert.Throws<CheckpointException>(() => model.Load(path, sgd, scheduler: scheduler));
        Assert.Contains("holds no scheduler state", error.Message);
        Assert.Equal(before, scheduler.StateDict());
    }
}
