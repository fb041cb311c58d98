using Avalon.Primitives;
using Avalon.Primitives.Optim;

namespace Avalon.Optim;

/// <summary>
/// RMSprop (Hinton's lecture 6e), optionally centered and with momentum (PyTorch's
/// <c>torch.optim.RMSprop</c>).
/// </summary>
/// <remarks>
/// For each parameter θ with gradient g (negated when <c>maximize</c>):
/// <code>
/// g ← g + weight_decay·θ
/// v ← α·v + (1 − α)·g²
/// ḡ ← α·ḡ + (1 − α)·g;  a ← √(v − ḡ²) + eps     (centered)
///                       a ← √v + eps            (otherwise)
/// b ← momentum·b + g / a;  θ ← θ − lr·b          (momentum &gt; 0)
/// θ ← θ − lr·g / a                               (otherwise)
/// </code>
/// State per parameter: <c>step</c> (a long), <c>square_avg</c>, <c>momentum_buffer</c> (momentum &gt; 0)
/// and <c>grad_avg</c> (centered). Hyperparameters: <c>lr</c>, <c>momentum</c>, <c>alpha</c>,
/// <c>eps</c>, <c>centered</c>, <c>weight_decay</c>, <c>maximize</c>.
/// </remarks>
public sealed class RmsProp : Optimizer
{
    /// <summary>Creates RMSprop over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate (default 1e-2).</param>
    /// <param name="alpha">Smoothing constant of the running average of the squared gradient (default 0.99).</param>
    /// <param name="eps">Added to the denominator for numerical stability (default 1e-8).</param>
    /// <param name="weightDecay">L2 penalty (default 0).</param>
    /// <param name="momentum">Momentum factor (default 0).</param>
    /// <param name="centered">Normalise by an estimate of the gradient's variance instead of its second moment.</param>
    /// <param name="maximize">Maximise the objective instead of minimising it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the message names it).</exception>
    public RmsProp(IEnumerable<Tensor> parameters, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : base(parameters, MakeDefaults(lr, alpha, eps, weightDecay, momentum, centered, maximize))
    {
    }

    /// <summary>Creates RMSprop over parameter groups; a group's own hyperparameters override these defaults.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="alpha">Default smoothing constant.</param>
    /// <param name="eps">Default epsilon.</param>
    /// <param name="weightDecay">Default L2 penalty.</param>
    /// <param name="momentum">Default momentum factor.</param>
    /// <param name="centered">Default for the centered variant.</param>
    /// <param name="maximize">Default for maximising the objective.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the message names it).</exception>
    public RmsProp(IEnumerable<ParamGroup> groups, double lr = 1e-2, double alpha = 0.99, double eps = 1e-8,
        double weightDecay = 0, double momentum = 0, bool centered = false, bool maximize = false)
        : base(groups, MakeDefaults(lr, alpha, eps, weightDecay, momentum, centered, maximize))
    {
    }

    private static Dictionary<string, object> MakeDefaults(double lr, double alpha, double eps, double weightDecay,
        double momentum, bool centered, bool maximize) => new()
    {
        ["lr"] = lr,
        ["momentum"] = momentum,
        ["alpha"] = alpha,
        ["eps"] = eps,
        ["centered"] = centered,
        ["weight_decay"] = weightDecay,
        ["maximize"] = maximize,
    };

    private static readonly OptimizerStateEntry StepCount = new("step", OptimizerStateKind.IntegerCount, (_, _) => 0L);
    private static readonly OptimizerStateEntry SquareAvg = OptimizerStateEntry.Zeros("square_avg");
    private static readonly OptimizerStateEntry MomentumBuffer = OptimizerStateEntry.Zeros("momentum_buffer", group => group.GetDouble("momentum") > 0);
    private static readonly OptimizerStateEntry GradAvg = OptimizerStateEntry.Zeros("grad_avg", group => group.GetBool("centered"));
    private static readonly OptimizerStateEntry[] Entries = [StepCount, SquareAvg, MomentumBuffer, GradAvg];

    /// <inheritdoc />
    public override IReadOnlyList<OptimizerStateEntry> StateEntries => Entries;

    /// <inheritdoc />
    protected override void ValidateGroup(ParamGroup group)
    {
        double lr = group.GetDouble("lr"), eps = group.GetDouble("eps"), momentum = group.GetDouble("momentum");
        double weightDecay = group.GetDouble("weight_decay"), alpha = group.GetDouble("alpha");
        ThrowIfInvalid(!(lr >= 0), "lr", lr, "learning rate");
        ThrowIfInvalid(!(eps >= 0), "eps", eps, "epsilon value");
        ThrowIfInvalid(!(momentum >= 0), "momentum", momentum, "momentum value");
        ThrowIfInvalid(!(weightDecay >= 0), "weight_decay", weightDecay, "weight_decay value");
        ThrowIfInvalid(!(alpha >= 0), "alpha", alpha, "alpha value");
        group.GetBool("centered");
        group.GetBool("maximize");
    }

    /// <inheritdoc />
    protected override void StepGroup(ParamGroup group)
    {
        double momentum = group.GetDouble("momentum");
        bool centered = group.GetBool("centered");
        var attributes = Attributes.Of(("lr", group.GetDouble("lr")), ("alpha", group.GetDouble("alpha")),
            ("eps", group.GetDouble("eps")), ("weight_decay", group.GetDouble("weight_decay")), ("momentum", momentum),
            ("maximize", group.GetBool("maximize")));
        var update = OptimPrimitives.RmsProp(momentum > 0, centered);
        foreach (Tensor p in group.Parameters)
        {
            if (p.Grad is null) continue;
            CheckDense(p);
            Tensor grad = DenseGradient(p);
            var state = InitialState(p, group);
            state[StepCount.Name] = (long)state[StepCount.Name] + 1;
            var inputs = new List<Tensor> { p, grad, (Tensor)state[SquareAvg.Name] };
            if (momentum > 0) inputs.Add((Tensor)state[MomentumBuffer.Name]);
            if (centered) inputs.Add((Tensor)state[GradAvg.Name]);
            // The reference update of one parameter (PyTorch's _single_tensor_rmsprop).
            update.InvokeMany(attributes, [.. inputs]);
        }
    }
}
