namespace Avalon.Optim.Schedulers;

/// <summary>
/// The 1cycle policy (Smith and Topin, 2017; PyTorch's <c>OneCycleLR</c>): the learning rate rises
/// from max_lr / div_factor to max_lr and then anneals to max_lr / (div_factor · final_div_factor),
/// while the momentum (or Adam's β₁) moves the opposite way between max_momentum and base_momentum.
/// Step it after every batch.
/// </summary>
/// <remarks>
/// <para>
/// Two phases by default: up for pct_start of the steps, then down to the end. With three_phase,
/// the rate goes up, comes back down to the initial rate symmetrically, then anneals to the minimum.
/// </para>
/// <para>
/// As in PyTorch, the constructor writes <c>initial_lr</c>, <c>max_lr</c> and <c>min_lr</c> (and
/// <c>max_momentum</c>, <c>base_momentum</c> when cycling momentum) into each parameter group, and
/// sets <c>momentum</c> (optimisers with a <c>momentum</c> hyperparameter) or <c>betas[0]</c>
/// (optimisers with <c>betas</c>).
/// </para>
/// </remarks>
public sealed class OneCycleLR : LRScheduler
{
    private Phase[] _phases = [];

    /// <summary>Creates the schedule and performs its first step.</summary>
    /// <param name="optimizer">The optimiser whose learning rates (and momentum) are scheduled.</param>
    /// <param name="maxLr">The peak learning rate of every group.</param>
    /// <param name="totalSteps">The number of steps of the cycle; or give <paramref name="epochs"/> and <paramref name="stepsPerEpoch"/>.</param>
    /// <param name="epochs">The number of epochs (with <paramref name="stepsPerEpoch"/>, when <paramref name="totalSteps"/> is not given).</param>
    /// <param name="stepsPerEpoch">The number of steps per epoch.</param>
    /// <param name="pctStart">The fraction of the cycle spent raising the rate (default 0.3).</param>
    /// <param name="annealStrategy">Cosine (default) or linear annealing.</param>
    /// <param name="cycleMomentum">Move the momentum inversely to the rate (default true).</param>
    /// <param name="baseMomentum">The lowest momentum, reached at the peak rate (default 0.85).</param>
    /// <param name="maxMomentum">The highest momentum, at the start and end (default 0.95).</param>
    /// <param name="divFactor">initial_lr = max_lr / div_factor (default 25).</param>
    /// <param name="finalDivFactor">min_lr = initial_lr / final_div_factor (default 1e4).</param>
    /// <param name="threePhase">Use the three-phase schedule (default false).</param>
    /// <param name="lastEpoch">The index of the last step when resuming (default -1: start afresh).</param>
    /// <exception cref="ArgumentException">The number of steps is not given or not positive, pct_start is outside [0, 1], or momentum cycling is asked of an optimiser without momentum.</exception>
    public OneCycleLR(Optimizer optimizer, double maxLr, int? totalSteps = null, int? epochs = null,
        int? stepsPerEpoch = null, double pctStart = 0.3, AnnealStrategy annealStrategy = AnnealStrategy.Cos,
        bool cycleMomentum = true, double baseMomentum = 0.85, double maxMomentum = 0.95, double divFactor = 25,
        double finalDivFactor = 1e4, bool threePhase = false, int lastEpoch = -1)
        : base(Prepare(optimizer, maxLr, totalSteps, epochs, stepsPerEpoch, pctStart, cycleMomentum, baseMomentum,
            maxMomentum, divFactor, finalDivFactor, lastEpoch), lastEpoch)
    {
        TotalSteps = totalSteps ?? epochs!.Value * stepsPerEpoch!.Value;
        PctStart = pctStart;
        AnnealStrategy = annealStrategy;
        ThreePhase = threePhase;
        CycleMomentum = cycleMomentum;
        UseBeta1 = cycleMomentum && optimizer.Defaults.ContainsKey("betas");
        _phases = BuildPhases(TotalSteps, PctStart, ThreePhase);
        InitialStep();
    }

    /// <summary>The number of steps of the cycle.</summary>
    public int TotalSteps { get; private set; }

    /// <summary>The fraction of the cycle spent raising the rate.</summary>
    public double PctStart { get; private set; }

    /// <summary>Cosine or linear annealing.</summary>
    public AnnealStrategy AnnealStrategy { get; private set; }

    /// <summary>Whether the three-phase schedule is used.</summary>
    public bool ThreePhase { get; private set; }

    /// <summary>Whether the momentum (or β₁) is cycled.</summary>
    public bool CycleMomentum { get; private set; }

    /// <summary>Whether the cycled momentum is Adam's β₁ (<c>betas[0]</c>) rather than <c>momentum</c>.</summary>
    public bool UseBeta1 { get; private set; }

    private static Optimizer Prepare(Optimizer optimizer, double maxLr, int? totalSteps, int? epochs, int? stepsPerEpoch,
        double pctStart, bool cycleMomentum, double baseMomentum, double maxMomentum, double divFactor,
        double finalDivFactor, int lastEpoch)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (totalSteps is null && (epochs is null || stepsPerEpoch is null))
            throw OpErrors.Argument("OneCycleLR", "You must define either totalSteps OR (epochs AND stepsPerEpoch).");
        if (totalSteps is { } total && total <= 0)
            throw OpErrors.OutOfRange("OneCycleLR", nameof(totalSteps), total, $"Expected positive integer total_steps, but got {total}.");
        if (totalSteps is null && epochs <= 0)
            throw OpErrors.OutOfRange("OneCycleLR", nameof(epochs), epochs, $"Expected positive integer epochs, but got {epochs}.");
        if (totalSteps is null && stepsPerEpoch <= 0)
            throw OpErrors.OutOfRange("OneCycleLR", nameof(stepsPerEpoch), stepsPerEpoch, $"Expected positive integer steps_per_epoch, but got {stepsPerEpoch}.");
        if (!(pctStart >= 0 && pctStart <= 1))
            throw OpErrors.OutOfRange("OneCycleLR", nameof(pctStart), pctStart, $"Expected float between 0 and 1 pct_start, but got {pctStart}.");
        bool useBeta1 = optimizer.Defaults.ContainsKey("betas");
        if (cycleMomentum && !useBeta1 && !optimizer.Defaults.ContainsKey("momentum"))
            throw OpErrors.Argument(
                "OneCycleLR", $"optimizer must support momentum with `cycle_momentum` option enabled; {optimizer.GetType().Name} has neither 'momentum' nor 'betas'. Pass cycleMomentum: false.");

        if (lastEpoch == -1)
        {
            foreach (ParamGroup group in optimizer.ParamGroups)
            {
                double initialLr = maxLr / divFactor;
                group["initial_lr"] = initialLr;
                group["max_lr"] = maxLr;
                group["min_lr"] = initialLr / finalDivFactor;
                if (cycleMomentum)
                {
                    SetMomentum(group, useBeta1, maxMomentum);
                    group["max_momentum"] = maxMomentum;
                    group["base_momentum"] = baseMomentum;
                }
            }
        }
        return optimizer;
    }

    private static Phase[] BuildPhases(int totalSteps, double pctStart, bool threePhase) => threePhase
        ?
        [
            new(pctStart * totalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
            new(2 * pctStart * totalSteps - 2, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
            new(totalSteps - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
        ]
        :
        [
            new(pctStart * totalSteps - 1, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
            new(totalSteps - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
        ];

    private static void SetMomentum(ParamGroup group, bool useBeta1, double momentum)
    {
        if (useBeta1)
        {
            double[] betas = group.GetDoubles("betas");
            group["betas"] = new[] { momentum, betas[1] };
        }
        else
        {
            group["momentum"] = momentum;
        }
    }

    /// <inheritdoc />
    protected override double[] GetLR()
    {
        int stepNum = LastEpoch;
        if (stepNum > TotalSteps)
            throw OpErrors.State(
                "OneCycleLR", $"Tried to step {stepNum + 1} times. The specified number of total steps is {TotalSteps}.");
        IReadOnlyList<ParamGroup> groups = Optimizer.ParamGroups;
        var lrs = new double[groups.Count];
        for (int g = 0; g < groups.Count; g++)
        {
            ParamGroup group = groups[g];
            double startStep = 0;
            for (int i = 0; i < _phases.Length; i++)
            {
                Phase phase = _phases[i];
                if (stepNum <= phase.EndStep || i == _phases.Length - 1)
                {
                    double pct = (stepNum - startStep) / (phase.EndStep - startStep);
                    lrs[g] = Anneal(group.GetDouble(phase.StartLr), group.GetDouble(phase.EndLr), pct);
                    if (CycleMomentum)
                        SetMomentum(group, UseBeta1, Anneal(group.GetDouble(phase.StartMomentum), group.GetDouble(phase.EndMomentum), pct));
                    break;
                }
                startStep = phase.EndStep;
            }
        }
        return lrs;
    }

    private double Anneal(double start, double end, double pct) => AnnealStrategy == AnnealStrategy.Cos
        ? end + (start - end) / 2.0 * (Math.Cos(Math.PI * pct) + 1)
        : (end - start) * pct + start;

    /// <inheritdoc />
    public override Dictionary<string, object> StateDict()
    {
        var state = base.StateDict();
        state["total_steps"] = TotalSteps;
        state["pct_start"] = PctStart;
        state["anneal_strategy"] = AnnealStrategy == AnnealStrategy.Cos ? "cos" : "linear";
        state["three_phase"] = ThreePhase;
        state["cycle_momentum"] = CycleMomentum;
        state["use_beta1"] = UseBeta1;
        return state;
    }

    /// <inheritdoc />
    private protected override Action ReadState(SchedulerStateReader reader)
    {
        Action baseApply = base.ReadState(reader);
        int totalSteps = reader.Int("total_steps");
        double pctStart = reader.Double("pct_start");
        string strategy = reader.String("anneal_strategy");
        bool threePhase = reader.Bool("three_phase");
        bool cycleMomentum = reader.Bool("cycle_momentum");
        bool useBeta1 = reader.Bool("use_beta1");
        reader.Require(strategy is "cos" or "linear" || reader.Problems.Count > 0, $"anneal_strategy must be 'cos' or 'linear', got '{strategy}'.");
        reader.Require(totalSteps > 0 || reader.Problems.Count > 0, $"total_steps is {totalSteps}, expected a positive integer.");
        reader.Require(pctStart is >= 0 and <= 1, $"pct_start is {pctStart}, expected a number between 0 and 1.");
        return () =>
        {
            baseApply();
            TotalSteps = totalSteps;
            PctStart = pctStart;
            AnnealStrategy = strategy == "cos" ? AnnealStrategy.Cos : AnnealStrategy.Linear;
            ThreePhase = threePhase;
            CycleMomentum = cycleMomentum;
            UseBeta1 = useBeta1;
            _phases = BuildPhases(totalSteps, pctStart, threePhase);
        };
    }

    /// <summary>One phase of the cycle: where it ends and the group keys of its start and end values.</summary>
    private readonly record struct Phase(double EndStep, string StartLr, string EndLr, string StartMomentum, string EndMomentum);
}
