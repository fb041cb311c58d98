namespace Avalon.Optim.Schedulers;

/// <summary>
/// Multiplies the learning rate of each group by <see cref="Gamma"/> every epoch (PyTorch's
/// <c>ExponentialLR</c>): lr = initial_lr · gamma^epoch.
/// </summary>
public sealed class ExponentialLR : LRScheduler
{
    /// <summary>Creates the schedule and performs its first step.</summary>
    /// <param name="optimizer">The optimiser whose learning rates are scheduled.</param>
    /// <param name="gamma">The factor of the decay per epoch.</param>
    /// <param name="lastEpoch">The index of the last epoch when resuming (default -1: start afresh).</param>
    public ExponentialLR(Optimizer optimizer, double gamma, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>The factor of the decay per epoch.</summary>
    public double Gamma { get; private set; }

    /// <inheritdoc />
    protected override double[] GetLR()
    {
        double[] lrs = CurrentLRs();
        if (LastEpoch == 0) return lrs;
        for (int i = 0; i < lrs.Length; i++) lrs[i] *= Gamma;
        return lrs;
    }

    /// <inheritdoc />
    public override Dictionary<string, object> StateDict()
    {
        var state = base.StateDict();
        state["gamma"] = Gamma;
        return state;
    }

    /// <inheritdoc />
    private protected override Action ReadState(SchedulerStateReader reader)
    {
        Action baseApply = base.ReadState(reader);
        double gamma = reader.Double("gamma");
        return () =>
        {
            baseApply();
            Gamma = gamma;
        };
    }
}
