namespace Avalon.Optim.Schedulers;

/// <summary>
/// Base class of the epoch-based learning-rate schedules (PyTorch's <c>torch.optim.lr_scheduler._LRScheduler</c>):
/// each <see cref="Step"/> advances <see cref="LastEpoch"/> and writes the new learning rate of every
/// parameter group into the optimiser.
/// </summary>
/// <remarks>
/// <para>
/// Call <see cref="Step"/> after <see cref="Optimizer.Step()"/>, once per epoch (or per batch for
/// per-batch schedules such as <see cref="OneCycleLR"/>). Building the scheduler performs the first
/// step (to epoch 0), as in PyTorch.
/// </para>
/// <para>
/// The rates follow PyTorch's recursive ("chainable") form: most schedules compute the new rate
/// from the group's current one, so a rate changed by hand between steps carries forward.
/// </para>
/// <para>
/// A subclass sets its fields in its constructor and then calls <see cref="InitialStep"/>.
/// </para>
/// </remarks>
public abstract class LRScheduler : ILearningRateScheduler
{
    private double[] _baseLRs;
    private double[] _lastLR = [];

    /// <summary>Attaches the scheduler to <paramref name="optimizer"/>.</summary>
    /// <param name="optimizer">The optimiser whose learning rates are scheduled.</param>
    /// <param name="lastEpoch">
    /// The index of the last epoch when resuming; -1 (the default) starts afresh and records each
    /// group's current <c>lr</c> as its <c>initial_lr</c>.
    /// </param>
    /// <exception cref="KeyNotFoundException">Resuming, but a group has no <c>initial_lr</c>.</exception>
    protected LRScheduler(Optimizer optimizer, int lastEpoch = -1)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        Optimizer = optimizer;
        IReadOnlyList<ParamGroup> groups = optimizer.ParamGroups;
        _baseLRs = new double[groups.Count];
        for (int i = 0; i < groups.Count; i++)
        {
            if (lastEpoch == -1)
                groups[i].SetDefault("initial_lr", groups[i].LearningRate);
            else if (!groups[i].Contains("initial_lr"))
                throw new KeyNotFoundException(
                    $"{GetType().Name}: param 'initial_lr' is not specified in param_groups[{i}] when resuming an optimizer (lastEpoch {lastEpoch}).");
            _baseLRs[i] = groups[i].GetDouble("initial_lr");
        }
        LastEpoch = lastEpoch;
    }

    /// <summary>The optimiser whose learning rates are scheduled.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The initial learning rate of each group (PyTorch's <c>base_lrs</c>).</summary>
    public IReadOnlyList<double> BaseLRs => _baseLRs;

    /// <summary>The index of the last epoch (0 right after construction).</summary>
    public int LastEpoch { get; private set; }

    /// <summary>How many times <see cref="Step"/> has run, the initial step included (PyTorch's <c>_step_count</c>).</summary>
    protected int StepCount { get; private set; }

    /// <summary>The learning rate of each group after the last step (PyTorch's <c>get_last_lr()</c>).</summary>
    public IReadOnlyList<double> LastLR => _lastLR;

    /// <summary>Advances one epoch and sets each group's learning rate.</summary>
    public void Step()
    {
        StepCount++;
        LastEpoch++;
        double[] values = GetLR();
        IReadOnlyList<ParamGroup> groups = Optimizer.ParamGroups;
        if (values.Length != groups.Count)
            throw new InvalidOperationException(
                $"{GetType().Name}: GetLR returned {values.Length} learning rates for {groups.Count} parameter groups.");
        var last = new double[groups.Count];
        for (int i = 0; i < groups.Count; i++)
        {
            groups[i].LearningRate = values[i];
            last[i] = values[i];
        }
        _lastLR = last;
    }

    /// <summary>
    /// The learning rate of each group for epoch <see cref="LastEpoch"/>, computed (in the chainable
    /// form) from the groups' current rates; called by <see cref="Step"/> after it advanced the epoch.
    /// </summary>
    protected abstract double[] GetLR();

    /// <summary>The current learning rate of each group.</summary>
    protected double[] CurrentLRs()
    {
        IReadOnlyList<ParamGroup> groups = Optimizer.ParamGroups;
        var lrs = new double[groups.Count];
        for (int i = 0; i < lrs.Length; i++) lrs[i] = groups[i].LearningRate;
        return lrs;
    }

    /// <summary>Performs the first step (to epoch 0); call it at the end of a subclass constructor.</summary>
    protected void InitialStep()
    {
        StepCount = 0;
        Step();
    }

    /// <summary>
    /// The scheduler's state as plain values, keyed like PyTorch's <c>state_dict()</c>
    /// (<c>base_lrs</c>, <c>last_epoch</c>, <c>_step_count</c>, <c>_last_lr</c> and the schedule's own
    /// settings). Values are <see cref="double"/>, <see cref="int"/>, <see cref="bool"/>,
    /// <see cref="string"/>, <c>double[]</c> or <c>int[]</c>.
    /// </summary>
    public virtual Dictionary<string, object> StateDict() => new(StringComparer.Ordinal)
    {
        ["base_lrs"] = _baseLRs.Clone(),
        ["last_epoch"] = LastEpoch,
        ["_step_count"] = StepCount,
        ["_last_lr"] = _lastLR.Clone(),
    };

    /// <summary>
    /// Restores a state produced by <see cref="StateDict"/> (the optimiser's learning rates are not
    /// touched). The whole state is checked first; when any part is missing, of the wrong type or out
    /// of range, nothing changes.
    /// </summary>
    /// <exception cref="ArgumentException">A key is missing, has the wrong type or is out of range; the message lists every problem.</exception>
    public virtual void LoadStateDict(IReadOnlyDictionary<string, object> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var reader = new SchedulerStateReader(state, GetType().Name);
        Action apply = ReadState(reader);
        reader.ThrowIfProblems();
        apply();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> CheckStateDict(IReadOnlyDictionary<string, object> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var reader = new SchedulerStateReader(state, GetType().Name);
        ReadState(reader);
        return reader.Problems;
    }

    /// <summary>
    /// Reads (and checks) this schedule's part of <paramref name="reader"/>'s state and returns the
    /// action that installs it; a subclass reads its own settings after calling the base and
    /// returns an action that runs the base's first. Nothing may change before the action runs.
    /// </summary>
    private protected virtual Action ReadState(SchedulerStateReader reader)
    {
        int groups = Optimizer.ParamGroups.Count;
        double[] baseLRs = reader.Doubles("base_lrs");
        int lastEpoch = reader.Int("last_epoch");
        int stepCount = reader.Int("_step_count");
        double[] lastLR = reader.Doubles("_last_lr");
        reader.Require(baseLRs.Length == groups || reader.Problems.Count > 0, $"base_lrs has {baseLRs.Length} values for {groups} parameter groups.");
        reader.Require(lastLR.Length == groups || lastLR.Length == 0, $"_last_lr has {lastLR.Length} values for {groups} parameter groups.");
        reader.Require(lastEpoch >= -1, $"last_epoch is {lastEpoch}, expected -1 or more.");
        reader.Require(stepCount >= 0, $"_step_count is {stepCount}, expected 0 or more.");
        return () =>
        {
            _baseLRs = baseLRs;
            LastEpoch = lastEpoch;
            StepCount = stepCount;
            _lastLR = lastLR;
        };
    }
}
