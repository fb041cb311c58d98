using Avalon.Primitives;
using Avalon.Primitives.Optim;

namespace Avalon.Optim;

/// <summary>Adagrad (Duchi et al., 2011; PyTorch's <c>torch.optim.Adagrad</c>).</summary>
/// <remarks>
/// For each parameter θ with gradient g (negated when <c>maximize</c>), at step t:
/// <code>
/// g ← g + weight_decay·θ
/// lr_t ← lr / (1 + (t − 1)·lr_decay)
/// s ← s + g²
/// θ ← θ − lr_t · g / (√s + eps)
/// </code>
/// State per parameter, created by the constructor as in PyTorch: <c>step</c> (a double) and
/// <c>sum</c> (filled with <c>initial_accumulator_value</c>). Hyperparameters: <c>lr</c>,
/// <c>lr_decay</c>, <c>eps</c>, <c>weight_decay</c>, <c>initial_accumulator_value</c>, <c>maximize</c>.
/// </remarks>
public sealed class Adagrad : Optimizer
{
    /// <summary>Creates Adagrad over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate (default 1e-2).</param>
    /// <param name="lrDecay">Learning-rate decay per step (default 0).</param>
    /// <param name="weightDecay">L2 penalty (default 0).</param>
    /// <param name="initialAccumulatorValue">Initial value of the sum of squared gradients (default 0).</param>
    /// <param name="eps">Added to the denominator for numerical stability (default 1e-10).</param>
    /// <param name="maximize">Maximise the objective instead of minimising it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the message names it).</exception>
    public Adagrad(IEnumerable<Tensor> parameters, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : base(parameters, MakeDefaults(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize))
    {
        InitializeState();
    }

    /// <summary>Creates Adagrad over parameter groups; a group's own hyperparameters override these defaults.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="lrDecay">Default learning-rate decay.</param>
    /// <param name="weightDecay">Default L2 penalty.</param>
    /// <param name="initialAccumulatorValue">Default initial value of the sum of squared gradients.</param>
    /// <param name="eps">Default epsilon.</param>
    /// <param name="maximize">Default for maximising the objective.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the message names it).</exception>
    public Adagrad(IEnumerable<ParamGroup> groups, double lr = 1e-2, double lrDecay = 0, double weightDecay = 0,
        double initialAccumulatorValue = 0, double eps = 1e-10, bool maximize = false)
        : base(groups, MakeDefaults(lr, lrDecay, weightDecay, initialAccumulatorValue, eps, maximize))
    {
        InitializeState();
    }

    private static Dictionary<string, object> MakeDefaults(double lr, double lrDecay, double weightDecay,
        double initialAccumulatorValue, double eps, bool maximize) => new()
    {
        ["lr"] = lr,
        ["lr_decay"] = lrDecay,
        ["eps"] = eps,
        ["weight_decay"] = weightDecay,
        ["initial_accumulator_value"] = initialAccumulatorValue,
        ["maximize"] = maximize,
    };

    private static readonly OptimizerStateEntry StepCount = new("step", OptimizerStateKind.Count, (_, _) => 0.0);
    private static readonly OptimizerStateEntry Sum = new("sum", OptimizerStateKind.ParameterShapedTensor,
        (p, group) => Tensor.FullLike(p, group.GetDouble("initial_accumulator_value")));
    private static readonly OptimizerStateEntry[] Entries = [StepCount, Sum];

    /// <inheritdoc />
    public override IReadOnlyList<OptimizerStateEntry> StateEntries => Entries;

    private void InitializeState()
    {
        foreach (ParamGroup group in ParamGroups)
            foreach (Tensor p in group.Parameters) EnsureState(p, group);
    }

    private Dictionary<string, object> EnsureState(Tensor p, ParamGroup group) => InitialState(p, group);

    /// <inheritdoc />
    protected override void ValidateGroup(ParamGroup group)
    {
        double lr = group.GetDouble("lr"), lrDecay = group.GetDouble("lr_decay"), weightDecay = group.GetDouble("weight_decay");
        double initial = group.GetDouble("initial_accumulator_value"), eps = group.GetDouble("eps");
        ThrowIfInvalid(!(lr >= 0), "lr", lr, "learning rate");
        ThrowIfInvalid(!(lrDecay >= 0), "lr_decay", lrDecay, "lr_decay value");
        ThrowIfInvalid(!(weightDecay >= 0), "weight_decay", weightDecay, "weight_decay value");
        ThrowIfInvalid(!(initial >= 0), "initial_accumulator_value", initial, "initial_accumulator_value value");
        ThrowIfInvalid(!(eps >= 0), "eps", eps, "epsilon value");
        group.GetBool("maximize");
    }

    /// <inheritdoc />
    protected override void StepGroup(ParamGroup group)
    {
        var attributes = Attributes.Of(("lr", group.GetDouble("lr")), ("lr_decay", group.GetDouble("lr_decay")),
            ("eps", group.GetDouble("eps")), ("weight_decay", group.GetDouble("weight_decay")),
            ("maximize", group.GetBool("maximize")));
        foreach (Tensor p in group.Parameters)
        {
            if (p.Grad is null) continue;
            CheckDense(p);
            Tensor grad = DenseGradient(p);
            var state = EnsureState(p, group);
            double step = (double)state[StepCount.Name] + 1;
            state[StepCount.Name] = step;
            // The reference update of one parameter (PyTorch's _single_tensor_adagrad, dense gradients).
            OptimPrimitives.AdagradUpdate.InvokeMany(attributes, p, grad, (Tensor)state[Sum.Name], StepValue(step, p));
        }
    }
}
