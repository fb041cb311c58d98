using Avalon.Primitives;
using Avalon.Primitives.Optim;

namespace Avalon.Optim;

/// <summary>
/// Adam (Kingma and Ba, 2014), optionally with the AMSGrad variant and L2 weight decay added to the
/// gradient (PyTorch's <c>torch.optim.Adam</c>). For decoupled weight decay use <see cref="AdamW"/>.
/// </summary>
/// <remarks>
/// For each parameter θ with gradient g (negated when <c>maximize</c>), at step t:
/// <code>
/// g ← g + weight_decay·θ
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// v̂ ← max(v̂, v) if amsgrad, else v
/// θ ← θ − lr / (1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + eps)
/// </code>
/// State per parameter: <c>step</c> (a double), <c>exp_avg</c>, <c>exp_avg_sq</c> and, with amsgrad,
/// <c>max_exp_avg_sq</c>. Hyperparameters: <c>lr</c>, <c>betas</c>, <c>eps</c>, <c>weight_decay</c>,
/// <c>amsgrad</c>, <c>maximize</c>.
/// </remarks>
public sealed class Adam : Optimizer, IMultiTensorOptimizer
{
    /// <summary>Creates Adam over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate (default 1e-3).</param>
    /// <param name="betas">Decay rates of the running averages of the gradient and its square (default (0.9, 0.999)).</param>
    /// <param name="eps">Added to the denominator for numerical stability (default 1e-8).</param>
    /// <param name="weightDecay">L2 penalty added to the gradient (default 0).</param>
    /// <param name="amsgrad">Use the AMSGrad variant.</param>
    /// <param name="maximize">Maximise the objective instead of minimising it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the message names it).</exception>
    public Adam(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(parameters, AdamAlgorithm.Defaults(lr, betas ?? (0.9, 0.999), eps, weightDecay, amsgrad, maximize))
    {
    }

    /// <summary>Creates Adam over parameter groups; a group's own hyperparameters override these defaults.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="betas">Default decay rates (default (0.9, 0.999)).</param>
    /// <param name="eps">Default epsilon.</param>
    /// <param name="weightDecay">Default L2 penalty.</param>
    /// <param name="amsgrad">Default for AMSGrad.</param>
    /// <param name="maximize">Default for maximising the objective.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the message names it).</exception>
    public Adam(IEnumerable<ParamGroup> groups, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 0, bool amsgrad = false, bool maximize = false)
        : base(groups, AdamAlgorithm.Defaults(lr, betas ?? (0.9, 0.999), eps, weightDecay, amsgrad, maximize))
    {
    }

    /// <inheritdoc />
    public override IReadOnlyList<OptimizerStateEntry> StateEntries => AdamAlgorithm.Entries;

    /// <inheritdoc />
    protected override void ValidateGroup(ParamGroup group) => AdamAlgorithm.Validate(group, ThrowIfInvalid);

    /// <inheritdoc />
    protected override void StepGroup(ParamGroup group) => MultiTensorStep.StepGroup(this, this, group);

    int IMultiTensorOptimizer.StepScalars => 1;

    string? IMultiTensorOptimizer.ReplayObstacle(ParamGroup group, IReadOnlyList<Tensor> parameters) => null;

    void IMultiTensorOptimizer.Advance(ParamGroup group, IReadOnlyList<Tensor> parameters, Span<double> scalars, object?[]? ownedCounts) =>
        AdamAlgorithm.Advance(this, group, parameters, scalars, ownedCounts);

    void IMultiTensorOptimizer.AddStateTensors(ParamGroup group, Tensor parameter, List<Tensor> into) =>
        AdamAlgorithm.AddStateTensors(this, group, parameter, into);

    void IMultiTensorOptimizer.Update(ParamGroup group, IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> gradients, IReadOnlyList<Tensor> scalars, Tensor lr) =>
        AdamAlgorithm.Update(this, group, parameters, gradients, scalars, lr, decoupledWeightDecay: false);
}

/// <summary>
/// The Adam update shared by <see cref="Adam"/> (weight decay added to the gradient) and
/// <see cref="AdamW"/> (weight decay applied to the parameter).
/// </summary>
internal static class AdamAlgorithm
{
    public static readonly OptimizerStateEntry StepCount = new("step", OptimizerStateKind.Count, (_, _) => 0.0);
    public static readonly OptimizerStateEntry ExpAvg = OptimizerStateEntry.Zeros("exp_avg");
    public static readonly OptimizerStateEntry ExpAvgSq = OptimizerStateEntry.Zeros("exp_avg_sq");
    public static readonly OptimizerStateEntry MaxExpAvgSq = OptimizerStateEntry.Zeros("max_exp_avg_sq", group => group.GetBool("amsgrad"));

    /// <summary>The state of Adam and AdamW per parameter (one list for the step and for loading).</summary>
    public static readonly OptimizerStateEntry[] Entries = [StepCount, ExpAvg, ExpAvgSq, MaxExpAvgSq];

    public static Dictionary<string, object> Defaults(double lr, (double Beta1, double Beta2) betas, double eps,
        double weightDecay, bool amsgrad, bool maximize) => new()
    {
        ["lr"] = lr,
        ["betas"] = new[] { betas.Beta1, betas.Beta2 },
        ["eps"] = eps,
        ["weight_decay"] = weightDecay,
        ["amsgrad"] = amsgrad,
        ["maximize"] = maximize,
    };

    public static void Validate(ParamGroup group, Action<bool, string, object, string> throwIfInvalid)
    {
        double lr = group.GetDouble("lr"), eps = group.GetDouble("eps"), weightDecay = group.GetDouble("weight_decay");
        double[] betas = group.GetDoubles("betas");
        throwIfInvalid(betas.Length != 2, "betas", betas, "betas (expected two values)");
        throwIfInvalid(!(lr >= 0), "lr", lr, "learning rate");
        throwIfInvalid(!(eps >= 0), "eps", eps, "epsilon value");
        throwIfInvalid(!(betas[0] >= 0 && betas[0] < 1), "betas", betas[0], "beta parameter at index 0");
        throwIfInvalid(!(betas[1] >= 0 && betas[1] < 1), "betas", betas[1], "beta parameter at index 1");
        throwIfInvalid(!(weightDecay >= 0), "weight_decay", weightDecay, "weight_decay value");
        group.GetBool("amsgrad");
        group.GetBool("maximize");
    }

    /// <summary>Creates missing state and advances the step count of every parameter (the scalars of the update).</summary>
    public static void Advance(Optimizer optimizer, ParamGroup group, IReadOnlyList<Tensor> parameters, Span<double> scalars, object?[]? ownedCounts)
    {
        for (int i = 0; i < parameters.Count; i++)
        {
            var state = optimizer.InitialStateFor(parameters[i], group);
            scalars[i] = MultiTensorStep.AdvanceCount(state, StepCount.Name, ownedCounts, i);
        }
    }

    /// <summary>The state tensors of a parameter in the update's input order.</summary>
    public static void AddStateTensors(Optimizer optimizer, ParamGroup group, Tensor parameter, List<Tensor> into)
    {
        var state = optimizer.InitialStateFor(parameter, group);
        into.Add((Tensor)state[ExpAvg.Name]);
        into.Add((Tensor)state[ExpAvgSq.Name]);
        if (group.GetBool("amsgrad")) into.Add((Tensor)state[MaxExpAvgSq.Name]);
    }

    /// <summary>
    /// The update of <paramref name="parameters"/> as one multi-tensor call (PyTorch's
    /// <c>_multi_tensor_adam</c>; every element as in <c>_single_tensor_adam</c> / <c>_single_tensor_adamw</c>).
    /// </summary>
    /// <param name="optimizer">Holds the state (an <see cref="Adam"/> or <see cref="AdamW"/>).</param>
    /// <param name="group">The group whose hyperparameters apply.</param>
    /// <param name="parameters">The parameters to update (state created by <see cref="Advance"/>).</param>
    /// <param name="gradients">Their dense gradients.</param>
    /// <param name="scalars">Their step counts t, 0-d float64.</param>
    /// <param name="lr">The learning rate, 0-d float64.</param>
    /// <param name="decoupledWeightDecay">AdamW: shrink θ by (1 − lr·weight_decay) instead of adding weight_decay·θ to g.</param>
    public static void Update(Optimizer optimizer, ParamGroup group, IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> gradients,
        IReadOnlyList<Tensor> scalars, Tensor lr, bool decoupledWeightDecay)
    {
        double[] betas = group.GetDoubles("betas");
        bool amsgrad = group.GetBool("amsgrad");
        var attributes = Attributes.Of(("beta1", betas[0]), ("beta2", betas[1]),
            ("eps", group.GetDouble("eps")), ("weight_decay", group.GetDouble("weight_decay")),
            ("maximize", group.GetBool("maximize")), ("decoupled", decoupledWeightDecay));
        var states = new List<Tensor>[amsgrad ? 3 : 2];
        for (int s = 0; s < states.Length; s++) states[s] = new List<Tensor>(parameters.Count);
        var own = new List<Tensor>(3);
        foreach (var p in parameters)
        {
            own.Clear();
            AddStateTensors(optimizer, group, p, own);
            for (int s = 0; s < states.Length; s++) states[s].Add(own[s]);
        }
        MultiTensorStep.Invoke(amsgrad ? OptimPrimitives.AdamAmsgradUpdate : OptimPrimitives.AdamUpdate, attributes,
            parameters, gradients, states, scalars, lr);
    }
}
