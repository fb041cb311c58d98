using Avalon.Optim;
using Avalon.Optim.Schedulers;
using Avalon.Tests.Reference;
using static Avalon.Tests.Optim.OptimTestSupport;

namespace Avalon.Tests.Optim;

/// <summary>
/// Every case of schedules.json: the learning rate (and the momentum or β₁ of OneCycleLR) after
/// construction and after each of the 30 scheduler steps, compared with PyTorch 1.13's.
/// </summary>
public sealed class LRSchedulerReferenceTests
{
    private const double Rtol = 1e-12, Atol = 1e-15;

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (ReferenceCase c in ReferenceData.Load("schedules").Cases) data.Add(c.Name);
        return data;
    }

    private static (Optimizer Optimizer, object Scheduler) Build(ReferenceCase c)
    {
        var optimizerSpec = c.Json.GetProperty("optimizer");
        var parameter = Tensor.Zeros(3).RequiresGrad_();
        Optimizer optimizer = CreateOptimizer(optimizerSpec.GetProperty("kind").GetString()!,
            optimizerSpec.GetProperty("args"), [new ParamGroup([parameter])]);
        return (optimizer, CreateScheduler(c.Kind, c.Args, optimizer));
    }

    private static double Momentum(ReferenceCase c, Optimizer optimizer) => c.Has("beta1")
        ? optimizer.ParamGroups[0].GetDoubles("betas")[0]
        : optimizer.ParamGroups[0].GetDouble("momentum");

    private static void Step(object scheduler, ReferenceCase c, int step)
    {
        if (scheduler is ReduceLROnPlateau plateau) plateau.Step(c.Numbers("metrics")[step]);
        else ((LRScheduler)scheduler).Step();
    }

    private static IReadOnlyList<double> LastLR(object scheduler) =>
        scheduler is ReduceLROnPlateau plateau ? plateau.LastLR : ((LRScheduler)scheduler).LastLR;

    [Theory]
    [MemberData(nameof(Cases))]
    public void ScheduleMatchesPyTorch(string name)
    {
        ReferenceCase c = ReferenceData.Load("schedules")[name];
        var (optimizer, scheduler) = Build(c);
        string? momentumKey = c.Has("momentum") ? "momentum" : c.Has("beta1") ? "beta1" : null;

        AssertClose([c.Number("lr_initial")], [optimizer.ParamGroups[0].LearningRate], Rtol, Atol, $"{name}: initial lr");
        if (momentumKey is not null)
            AssertClose([c.Number(momentumKey + "_initial")], [Momentum(c, optimizer)], Rtol, Atol, $"{name}: initial {momentumKey}");

        double[] lrs = c.Numbers("lr");
        Assert.Equal(c.Json.GetProperty("steps").GetInt32(), lrs.Length);
        for (int step = 0; step < lrs.Length; step++)
        {
            optimizer.Step();
            Step(scheduler, c, step);
            AssertClose([lrs[step]], [optimizer.ParamGroups[0].LearningRate], Rtol, Atol, $"{name}: lr after step {step + 1}");
            Assert.Equal(optimizer.ParamGroups[0].LearningRate, LastLR(scheduler)[0]);
            if (momentumKey is not null)
                AssertClose([c.Numbers(momentumKey)[step]], [Momentum(c, optimizer)], Rtol, Atol, $"{name}: {momentumKey} after step {step + 1}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StateDictRoundTripContinuesTheSameSchedule(string name)
    {
        ReferenceCase c = ReferenceData.Load("schedules")[name];
        var (optimizer, scheduler) = Build(c);
        for (int step = 0; step < 12; step++) Step(scheduler, c, step);
        Dictionary<string, object> saved = scheduler is ReduceLROnPlateau p ? p.StateDict() : ((LRScheduler)scheduler).StateDict();
        OptimizerStateDict savedOptimizer = optimizer.StateDict();

        var (resumedOptimizer, resumed) = Build(c);
        resumedOptimizer.LoadStateDict(savedOptimizer);
        if (resumed is ReduceLROnPlateau rp) rp.LoadStateDict(saved);
        else ((LRScheduler)resumed).LoadStateDict(saved);

        double[] lrs = c.Numbers("lr");
        for (int step = 12; step < lrs.Length; step++)
        {
            Step(resumed, c, step);
            AssertClose([lrs[step]], [resumedOptimizer.ParamGroups[0].LearningRate], Rtol, Atol, $"{name}: resumed lr after step {step + 1}");
        }
    }

    [Fact]
    public void OneCycleLRRefusesToStepPastTheCycle()
    {
        var optimizer = new Sgd([Tensor.Zeros(2)], lr: 0.1, momentum: 0.9);
        var scheduler = new OneCycleLR(optimizer, maxLr: 1, totalSteps: 3);
        for (int i = 0; i < 3; i++) scheduler.Step();
        var e = Assert.Throws<InvalidOperationException>(scheduler.Step);
        Assert.Contains("Tried to step 5 times. The specified number of total steps is 3", e.Message);
    }

    [Fact]
    public void OneCycleLRNeedsMomentumToCycleIt()
    {
        var optimizer = new Adagrad([Tensor.Zeros(2)]);
        var e = Assert.Throws<ArgumentException>(() => new OneCycleLR(optimizer, maxLr: 1, totalSteps: 10));
        Assert.Contains("momentum", e.Message);
        var withoutMomentum = new OneCycleLR(optimizer, maxLr: 1, totalSteps: 10, cycleMomentum: false);
        Assert.Equal(1.0 / 25, withoutMomentum.LastLR[0], 15);
    }

    [Fact]
    public void SchedulersRejectBadArguments()
    {
        var optimizer = new Sgd([Tensor.Zeros(2)], lr: 0.1);
        Assert.Contains("Factor should be < 1.0", Assert.Throws<ArgumentOutOfRangeException>(() => new ReduceLROnPlateau(optimizer, factor: 1)).Message);
        Assert.Contains("step_size", Assert.Throws<ArgumentOutOfRangeException>(() => new StepLR(optimizer, 0)).Message);
        Assert.Contains("T_max", Assert.Throws<ArgumentOutOfRangeException>(() => new CosineAnnealingLR(optimizer, 0)).Message);
        Assert.Contains("pct_start", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleLR(optimizer, 1, totalSteps: 10, pctStart: 1.5)).Message);
        Assert.Contains("total_steps", Assert.Throws<ArgumentOutOfRangeException>(() => new OneCycleLR(optimizer, 1, totalSteps: 0)).Message);
        Assert.Contains("totalSteps", Assert.Throws<ArgumentException>(() => new OneCycleLR(optimizer, 1, epochs: 3)).Message);
        Assert.Contains("initial_lr", Assert.Throws<KeyNotFoundException>(() => new ExponentialLR(new Sgd([Tensor.Zeros(2)], lr: 0.1), 0.9, lastEpoch: 4)).Message);
    }

    [Fact]
    public void SchedulersWriteEveryGroupsRate()
    {
        var optimizer = new Sgd([new ParamGroup([Tensor.Zeros(2)]), new ParamGroup([Tensor.Zeros(2)]) { ["lr"] = 1.0 }], lr: 0.1);
        var scheduler = new StepLR(optimizer, stepSize: 2, gamma: 0.5);
        Assert.Equal([0.1, 1.0], scheduler.BaseLRs);
        scheduler.Step();
        scheduler.Step();
        Assert.Equal([0.05, 0.5], scheduler.LastLR);
        Assert.Equal(0.5, optimizer.ParamGroups[1].LearningRate);
        Assert.Equal(1.0, optimizer.ParamGroups[1].GetDouble("initial_lr"));
    }
}
