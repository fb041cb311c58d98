namespace Avalon.Optim.Schedulers;

/// <summary>
/// Cosine annealing of the learning rate from its initial value down to <see cref="EtaMin"/> over
/// <see cref="TMax"/> epochs (PyTorch's <c>CosineAnnealingLR</c>, SGDR without restarts).
/// </summary>
/// <remarks>
/// Uses PyTorch's recursive form,
/// lr_t = (1 + cos(π·t/T_max)) / (1 + cos(π·(t−1)/T_max)) · (lr_{t−1} − η_min) + η_min,
/// which equals the closed form η_min + (initial_lr − η_min)·(1 + cos(π·t/T_max))/2 while nobody else
/// changes the rate. Past T_max the rate rises again along the cosine (period 2·T_max).
/// </remarks>
public sealed class CosineAnnealingLR : LRScheduler
{
    /// <summary>Creates the schedule and performs its first step.</summary>
    /// <param name="optimizer">The optimiser whose learning rates are scheduled.</param>
    /// <param name="tMax">The number of epochs of the half cosine.</param>
    /// <param name="etaMin">The smallest learning rate (default 0).</param>
    /// <param name="lastEpoch">The index of the last epoch when resuming (default -1: start afresh).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="tMax"/> is not positive.</exception>
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin = 0, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        if (tMax <= 0)
            throw OpErrors.OutOfRange("CosineAnnealingLR", nameof(tMax), tMax, $"T_max must be positive, got {tMax}.");
        TMax = tMax;
        EtaMin = etaMin;
        InitialStep();
    }

    /// <summary>The number of epochs of the half cosine (PyTorch's <c>T_max</c>).</summary>
    public int TMax { get; private set; }

    /// <summary>The smallest learning rate (PyTorch's <c>eta_min</c>).</summary>
    public double EtaMin { get; private set; }

    /// <inheritdoc />
    protected override double[] GetLR()
    {
        double[] lrs = CurrentLRs();
        int t = LastEpoch;
        if (t == 0) return lrs;
        for (int i = 0; i < lrs.Length; i++)
        {
            double baseLr = BaseLRs[i];
            if (StepCount == 1 && t > 0)
                lrs[i] = EtaMin + (baseLr - EtaMin) * (1 + Math.Cos(t * Math.PI / TMax)) / 2;
            else if ((t - 1 - TMax) % (2 * TMax) == 0)
                lrs[i] += (baseLr - EtaMin) * (1 - Math.Cos(Math.PI / TMax)) / 2;
            else
                lrs[i] = (1 + Math.Cos(Math.PI * t / TMax)) / (1 + Math.Cos(Math.PI * (t - 1) / TMax)) * (lrs[i] - EtaMin) + EtaMin;
        }
        return lrs;
    }

    /// <inheritdoc />
    public override Dictionary<string, object> StateDict()
    {
        var state = base.StateDict();
        state["T_max"] = TMax;
        state["eta_min"] = EtaMin;
        return state;
    }

    /// <inheritdoc />
    private protected override Action ReadState(SchedulerStateReader reader)
    {
        Action baseApply = base.ReadState(reader);
        int tMax = reader.Int("T_max");
        double etaMin = reader.Double("eta_min");
        reader.Require(tMax > 0 || reader.Problems.Count > 0, $"T_max is {tMax}, expected a positive integer.");
        return () =>
        {
            baseApply();
            TMax = tMax;
            EtaMin = etaMin;
        };
    }
}
