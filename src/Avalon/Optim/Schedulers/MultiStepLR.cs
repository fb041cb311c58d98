namespace Avalon.Optim.Schedulers;

/// <summary>
/// Multiplies the learning rate of each group by <see cref="Gamma"/> at each milestone epoch
/// (PyTorch's <c>MultiStepLR</c>); a milestone listed k times multiplies by gamma^k.
/// </summary>
public sealed class MultiStepLR : LRScheduler
{
    private int[] _milestones;

    /// <summary>Creates the schedule and performs its first step.</summary>
    /// <param name="optimizer">The optimiser whose learning rates are scheduled.</param>
    /// <param name="milestones">The epochs at which the rate decays (any order; repeats count).</param>
    /// <param name="gamma">The factor of the decay (default 0.1).</param>
    /// <param name="lastEpoch">The index of the last epoch when resuming (default -1: start afresh).</param>
    public MultiStepLR(Optimizer optimizer, IEnumerable<int> milestones, double gamma = 0.1, int lastEpoch = -1)
        : base(optimizer, lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(milestones);
        _milestones = [.. milestones];
        Array.Sort(_milestones);
        Gamma = gamma;
        InitialStep();
    }

    /// <summary>The milestone epochs, sorted (repeats kept).</summary>
    public IReadOnlyList<int> Milestones => _milestones;

    /// <summary>The factor of the decay.</summary>
    public double Gamma { get; private set; }

    /// <inheritdoc />
    protected override double[] GetLR()
    {
        double[] lrs = CurrentLRs();
        int count = 0;
        foreach (int m in _milestones)
            if (m == LastEpoch) count++;
        if (count == 0) return lrs;
        double factor = Math.Pow(Gamma, count);
        for (int i = 0; i < lrs.Length; i++) lrs[i] *= factor;
        return lrs;
    }

    /// <inheritdoc />
    public override Dictionary<string, object> StateDict()
    {
        var state = base.StateDict();
        state["milestones"] = _milestones.Clone();
        state["gamma"] = Gamma;
        return state;
    }

    /// <inheritdoc />
    private protected override Action ReadState(SchedulerStateReader reader)
    {
        Action baseApply = base.ReadState(reader);
        int[] milestones = reader.Ints("milestones");
        Array.Sort(milestones);
        double gamma = reader.Double("gamma");
        return () =>
        {
            baseApply();
            _milestones = milestones;
            Gamma = gamma;
        };
    }
}
