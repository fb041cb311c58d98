namespace Avalon.Optim.Schedulers;

/// <summary>
/// Multiplies the learning rate of each group by <see cref="Gamma"/> every <see cref="StepSize"/>
/// epochs (PyTorch's <c>StepLR</c>): lr = initial_lr · gamma^⌊epoch / step_size⌋.
/// </summary>
public sealed class StepLR : LRScheduler
{
    /// <summary>Creates the schedule and performs its first step.</summary>
    /// <param name="optimizer">The optimiser whose learning rates are scheduled.</param>
    /// <param name="stepSize">The period of the decay, in epochs.</param>
    /// <param name="gamma">The factor of the decay (default 0.1).</param>
    /// <param name="lastEpoch">The index of the last epoch when resuming (default -1: start afresh).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="stepSize"/> is not positive.</exception>
    public StepLR(Optimizer optimizer, int stepSize, double gamma = 0.1, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        if (stepSize <= 0)
            throw OpErrors.OutOfRange("StepLR", nameof(stepSize), stepSize, $"step_size must be positive, got {stepSize}.");
        StepSize = stepSize;
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>The period of the decay, in epochs.</summary>
    public int StepSize { get; private set; }

    /// <summary>The factor of the decay.</summary>
    public double Gamma { get; private set; }

    /// <inheritdoc />
    protected override double[] GetLR()
    {
        double[] lrs = CurrentLRs();
        if (LastEpoch == 0 || LastEpoch % StepSize != 0) return lrs;
        for (int i = 0; i < lrs.Length; i++) lrs[i] *= Gamma;
        return lrs;
    }

    /// <inheritdoc />
    public override Dictionary<string, object> StateDict()
    {
        var state = base.StateDict();
        state["step_size"] = StepSize;
        state["gamma"] = Gamma;
        return state;
    }

    /// <inheritdoc />
    private protected override Action ReadState(SchedulerStateReader reader)
    {
        Action baseApply = base.ReadState(reader);
        int stepSize = reader.Int("step_size");
        double gamma = reader.Double("gamma");
        reader.Require(stepSize > 0 || reader.Problems.Count > 0, $"step_size is {stepSize}, expected a positive integer.");
        return () =>
        {
            baseApply();
            StepSize = stepSize;
            Gamma = gamma;
        };
    }
}
