namespace Avalon.Optim;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov and Hutter, 2017; PyTorch's <c>torch.optim.AdamW</c>):
/// the parameter is shrunk by (1 − lr·weight_decay) before the Adam update instead of adding
/// weight_decay·θ to the gradient.
/// </summary>
/// <remarks>
/// For each parameter θ with gradient g (negated when <c>maximize</c>), at step t:
/// <code>
/// θ ← θ·(1 − lr·weight_decay)
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// v̂ ← max(v̂, v) if amsgrad, else v
/// θ ← θ − lr / (1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + eps)
/// </code>
/// State and hyperparameters are those of <see cref="Adam"/>; the default weight decay is 1e-2.
/// </remarks>
public sealed class AdamW : Optimizer, IMultiTensorOptimizer
{
    /// <summary>Creates AdamW over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate (default 1e-3).</param>
    /// <param name="betas">Decay rates of the running averages of the gradient and its square (default (0.9, 0.999)).</param>
    /// <param name="eps">Added to the denominator for numerical stability (default 1e-8).</param>
    /// <param name="weightDecay">Decoupled weight decay coefficient (default 1e-2).</param>
    /// <param name="amsgrad">Use the AMSGrad variant.</param>
    /// <param name="maximize">Maximise the objective instead of minimising it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the message names it).</exception>
    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
        : base(parameters, AdamAlgorithm.Defaults(lr, betas ?? (0.9, 0.999), eps, weightDecay, amsgrad, maximize))
    {
    }

    /// <summary>Creates AdamW over parameter groups; a group's own hyperparameters override these defaults.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="betas">Default decay rates (default (0.9, 0.999)).</param>
    /// <param name="eps">Default epsilon.</param>
    /// <param name="weightDecay">Default decoupled weight decay coefficient.</param>
    /// <param name="amsgrad">Default for AMSGrad.</param>
    /// <param name="maximize">Default for maximising the objective.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the message names it).</exception>
    public AdamW(IEnumerable<ParamGroup> groups, double lr = 1e-3, (double Beta1, double Beta2)? betas = null,
        double eps = 1e-8, double weightDecay = 1e-2, bool amsgrad = false, bool maximize = false)
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
        AdamAlgorithm.Update(this, group, parameters, gradients, scalars, lr, decoupledWeightDecay: true);
}
