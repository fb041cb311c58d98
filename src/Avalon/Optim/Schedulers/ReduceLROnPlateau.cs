namespace Avalon.Optim.Schedulers;

/// <summary>
/// Reduces the learning rate when a metric has stopped improving (PyTorch's <c>ReduceLROnPlateau</c>):
/// after more than <see cref="Patience"/> epochs without improvement, every group's rate is
/// multiplied by <see cref="Factor"/> (not below <see cref="MinLR"/>), then the scheduler waits
/// <see cref="Cooldown"/> epochs before counting again.
/// </summary>
/// <remarks>
/// Call <see cref="Step(double)"/> once per epoch with the validation metric. A reduction smaller than
/// <see cref="Eps"/> is skipped.
/// </remarks>
public sealed class ReduceLROnPlateau : ILearningRateScheduler
{
    private double[] _lastLR;

    /// <summary>Attaches the scheduler to <paramref name="optimizer"/>.</summary>
    /// <param name="optimizer">The optimiser whose learning rates are reduced.</param>
    /// <param name="mode">Whether the metric should fall (default) or rise.</param>
    /// <param name="factor">The factor of a reduction, below 1 (default 0.1).</param>
    /// <param name="patience">The number of epochs without improvement to tolerate (default 10).</param>
    /// <param name="threshold">The least change that counts as an improvement (default 1e-4).</param>
    /// <param name="thresholdMode">Whether <paramref name="threshold"/> is relative (default) or absolute.</param>
    /// <param name="cooldown">The number of epochs to wait after a reduction (default 0).</param>
    /// <param name="minLR">The lower bound of every group's rate (default 0).</param>
    /// <param name="eps">Reductions smaller than this are skipped (default 1e-8).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="factor"/> is not below 1.</exception>
    public ReduceLROnPlateau(Optimizer optimizer, PlateauMode mode = PlateauMode.Min, double factor = 0.1,
        int patience = 10, double threshold = 1e-4, ThresholdMode thresholdMode = ThresholdMode.Rel,
        int cooldown = 0, double minLR = 0, double eps = 1e-8)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (!(factor < 1.0))
            throw OpErrors.OutOfRange("ReduceLROnPlateau", nameof(factor), factor, $"Factor should be < 1.0, got {factor}.");
        Optimizer = optimizer;
        Mode = mode;
        Factor = factor;
        Patience = patience;
        Threshold = threshold;
        ThresholdMode = thresholdMode;
        Cooldown = cooldown;
        MinLR = minLR;
        Eps = eps;
        _lastLR = CurrentLRs();
        Reset();
    }

    /// <summary>The optimiser whose learning rates are reduced.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>Whether the metric should fall or rise.</summary>
    public PlateauMode Mode { get; private set; }

    /// <summary>The factor of a reduction.</summary>
    public double Factor { get; private set; }

    /// <summary>The number of epochs without improvement to tolerate.</summary>
    public int Patience { get; private set; }

    /// <summary>The least change that counts as an improvement.</summary>
    public double Threshold { get; private set; }

    /// <summary>Whether <see cref="Threshold"/> is relative or absolute.</summary>
    public ThresholdMode ThresholdMode { get; private set; }

    /// <summary>The number of epochs to wait after a reduction.</summary>
    public int Cooldown { get; private set; }

    /// <summary>The lower bound of every group's rate.</summary>
    public double MinLR { get; private set; }

    /// <summary>Reductions smaller than this are skipped.</summary>
    public double Eps { get; private set; }

    /// <summary>The best metric seen so far (±∞ before the first step).</summary>
    public double Best { get; private set; }

    /// <summary>The number of consecutive epochs without improvement.</summary>
    public int NumBadEpochs { get; private set; }

    /// <summary>The number of cooldown epochs left.</summary>
    public int CooldownCounter { get; private set; }

    /// <summary>The number of steps taken.</summary>
    public int LastEpoch { get; private set; }

    /// <summary>The learning rate of each group after the last step.</summary>
    public IReadOnlyList<double> LastLR => _lastLR;

    private double ModeWorse => Mode == PlateauMode.Min ? double.PositiveInfinity : double.NegativeInfinity;

    /// <summary>Records one epoch's <paramref name="metric"/> and reduces the learning rates if it has plateaued.</summary>
    public void Step(double metric)
    {
        LastEpoch++;
        if (IsBetter(metric, Best))
        {
            Best = metric;
            NumBadEpochs = 0;
        }
        else
        {
            NumBadEpochs++;
        }

        if (CooldownCounter > 0)
        {
            CooldownCounter--;
            NumBadEpochs = 0; // bad epochs during the cooldown do not count
        }

        if (NumBadEpochs > Patience)
        {
            ReduceLR();
            CooldownCounter = Cooldown;
            NumBadEpochs = 0;
        }
        _lastLR = CurrentLRs();
    }

    /// <summary>Records one epoch's metric, given as a single-element tensor.</summary>
    public void Step(Tensor metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        Step(metric.Item());
    }

    private void Reset()
    {
        Best = ModeWorse;
        CooldownCounter = 0;
        NumBadEpochs = 0;
    }

    private void ReduceLR()
    {
        foreach (ParamGroup group in Optimizer.ParamGroups)
        {
            double oldLr = group.LearningRate;
            double newLr = Math.Max(oldLr * Factor, MinLR);
            if (oldLr - newLr > Eps) group.LearningRate = newLr;
        }
    }

    private bool IsBetter(double a, double best) => (Mode, ThresholdMode) switch
    {
        (PlateauMode.Min, ThresholdMode.Rel) => a < best * (1 - Threshold),
        (PlateauMode.Min, ThresholdMode.Abs) => a < best - Threshold,
        (PlateauMode.Max, ThresholdMode.Rel) => a > best * (Threshold + 1),
        _ => a > best + Threshold,
    };

    private double[] CurrentLRs()
    {
        IReadOnlyList<ParamGroup> groups = Optimizer.ParamGroups;
        var lrs = new double[groups.Count];
        for (int i = 0; i < lrs.Length; i++) lrs[i] = groups[i].LearningRate;
        return lrs;
    }

    /// <summary>
    /// The scheduler's state as plain values, keyed like PyTorch's <c>state_dict()</c> (<c>mode</c> and
    /// <c>threshold_mode</c> as PyTorch's strings).
    /// </summary>
    public Dictionary<string, object> StateDict() => new(StringComparer.Ordinal)
    {
        ["mode"] = Mode == PlateauMode.Min ? "min" : "max",
        ["factor"] = Factor,
        ["patience"] = Patience,
        ["threshold"] = Threshold,
        ["threshold_mode"] = ThresholdMode == ThresholdMode.Rel ? "rel" : "abs",
        ["cooldown"] = Cooldown,
        ["cooldown_counter"] = CooldownCounter,
        ["min_lrs"] = Enumerable.Repeat(MinLR, Optimizer.ParamGroups.Count).ToArray(),
        ["eps"] = Eps,
        ["best"] = Best,
        ["num_bad_epochs"] = NumBadEpochs,
        ["last_epoch"] = LastEpoch,
        ["_last_lr"] = _lastLR.Clone(),
    };

    /// <summary>Restores a state produced by <see cref="StateDict"/>; the whole state is checked first and nothing changes when any part does not fit.</summary>
    /// <exception cref="ArgumentException">A key is missing or has the wrong type or value; the message lists every problem.</exception>
    public void LoadStateDict(IReadOnlyDictionary<string, object> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var reader = new SchedulerStateReader(state, nameof(ReduceLROnPlateau));
        Action apply = ReadState(reader);
        reader.ThrowIfProblems();
        apply();
    }

    /// <inheritdoc />
    public IReadOnlyList<string> CheckStateDict(IReadOnlyDictionary<string, object> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var reader = new SchedulerStateReader(state, nameof(ReduceLROnPlateau));
        ReadState(reader);
        return reader.Problems;
    }

    private Action ReadState(SchedulerStateReader reader)
    {
        string mode = reader.String("mode");
        string thresholdMode = reader.String("threshold_mode");
        double factor = reader.Double("factor");
        int patience = reader.Int("patience");
        double threshold = reader.Double("threshold");
        int cooldown = reader.Int("cooldown");
        int cooldownCounter = reader.Int("cooldown_counter");
        double[] minLrs = reader.Doubles("min_lrs");
        double eps = reader.Double("eps");
        double best = reader.Double("best");
        int numBadEpochs = reader.Int("num_bad_epochs");
        int lastEpoch = reader.Int("last_epoch");
        double[] lastLR = reader.Doubles("_last_lr");
        bool typed = reader.Problems.Count == 0;
        reader.Require(!typed || mode is "min" or "max", $"mode {mode} is unknown! (expected 'min' or 'max')");
        reader.Require(!typed || thresholdMode is "rel" or "abs", $"threshold mode {thresholdMode} is unknown! (expected 'rel' or 'abs')");
        reader.Require(!typed || factor < 1.0, $"factor is {factor}; it should be < 1.0.");
        reader.Require(!typed || (patience >= 0 && cooldown >= 0 && cooldownCounter >= 0 && numBadEpochs >= 0),
            $"patience, cooldown, cooldown_counter and num_bad_epochs must be non-negative (got {patience}, {cooldown}, {cooldownCounter}, {numBadEpochs}).");
        return () =>
        {
            Mode = mode == "min" ? PlateauMode.Min : PlateauMode.Max;
            ThresholdMode = thresholdMode == "rel" ? ThresholdMode.Rel : ThresholdMode.Abs;
            Factor = factor;
            Patience = patience;
            Threshold = threshold;
            Cooldown = cooldown;
            CooldownCounter = cooldownCounter;
            MinLR = minLrs.Length > 0 ? minLrs[0] : 0;
            Eps = eps;
            Best = best;
            NumBadEpochs = numBadEpochs;
            LastEpoch = lastEpoch;
            _lastLR = lastLR;
        };
    }
}
