using Avalon.Primitives;
using Avalon.Primitives.Optim;

namespace Avalon.Optim;

/// <summary>
/// Stochastic gradient descent, optionally with momentum, dampening, Nesterov momentum and weight
/// decay (PyTorch's <c>torch.optim.SGD</c>).
/// </summary>
/// <remarks>
/// For each parameter θ with gradient g (negated when <c>maximize</c>):
/// <code>
/// g ← g + weight_decay·θ
/// b ← g on the first step, else momentum·b + (1 − dampening)·g      (when momentum ≠ 0)
/// g ← g + momentum·b if nesterov, else b                            (when momentum ≠ 0)
/// θ ← θ − lr·g
/// </code>
/// State per parameter: <c>momentum_buffer</c> (only when momentum ≠ 0).
/// Hyperparameters: <c>lr</c>, <c>momentum</c>, <c>dampening</c>, <c>weight_decay</c>,
/// <c>nesterov</c>, <c>maximize</c>.
/// </remarks>
public sealed class Sgd : Optimizer, IMultiTensorOptimizer
{
    /// <summary>Creates SGD over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate (required, as in PyTorch).</param>
    /// <param name="momentum">Momentum factor (default 0).</param>
    /// <param name="dampening">Dampening for momentum (default 0).</param>
    /// <param name="weightDecay">L2 penalty (default 0).</param>
    /// <param name="nesterov">Use Nesterov momentum (needs momentum &gt; 0 and zero dampening).</param>
    /// <param name="maximize">Maximise the objective instead of minimising it.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the message names it).</exception>
    public Sgd(IEnumerable<Tensor> parameters, double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(parameters, MakeDefaults(lr, momentum, dampening, weightDecay, nesterov, maximize))
    {
    }

    /// <summary>Creates SGD over parameter groups; a group's own hyperparameters override these defaults.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="momentum">Default momentum factor.</param>
    /// <param name="dampening">Default dampening for momentum.</param>
    /// <param name="weightDecay">Default L2 penalty.</param>
    /// <param name="nesterov">Default for Nesterov momentum.</param>
    /// <param name="maximize">Default for maximising the objective.</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the message names it).</exception>
    public Sgd(IEnumerable<ParamGroup> groups, double lr, double momentum = 0, double dampening = 0,
        double weightDecay = 0, bool nesterov = false, bool maximize = false)
        : base(groups, MakeDefaults(lr, momentum, dampening, weightDecay, nesterov, maximize))
    {
    }

    private static Dictionary<string, object> MakeDefaults(double lr, double momentum, double dampening,
        double weightDecay, bool nesterov, bool maximize) => new()
    {
        ["lr"] = lr,
        ["momentum"] = momentum,
        ["dampening"] = dampening,
        ["weight_decay"] = weightDecay,
        ["nesterov"] = nesterov,
        ["maximize"] = maximize,
    };

    /// <summary>The momentum buffer, kept when the group's momentum is not zero.</summary>
    private static readonly OptimizerStateEntry MomentumBuffer =
        OptimizerStateEntry.Zeros("momentum_buffer", group => group.GetDouble("momentum") != 0);

    private static readonly OptimizerStateEntry[] Entries = [MomentumBuffer];

    /// <inheritdoc />
    public override IReadOnlyList<OptimizerStateEntry> StateEntries => Entries;

    /// <inheritdoc />
    protected override void ValidateGroup(ParamGroup group)
    {
        double lr = group.GetDouble("lr"), momentum = group.GetDouble("momentum");
        double dampening = group.GetDouble("dampening"), weightDecay = group.GetDouble("weight_decay");
        ThrowIfInvalid(!(lr >= 0), "lr", lr, "learning rate");
        ThrowIfInvalid(!(momentum >= 0), "momentum", momentum, "momentum value");
        ThrowIfInvalid(!(weightDecay >= 0), "weight_decay", weightDecay, "weight_decay value");
        group.GetBool("maximize");
        if (group.GetBool("nesterov") && (momentum <= 0 || dampening != 0))
            throw OpErrors.OutOfRange(Name, "nesterov", true,
                $"Nesterov momentum requires a momentum and zero dampening (momentum {momentum}, dampening {dampening}).");
    }

    /// <inheritdoc />
    protected override void StepGroup(ParamGroup group) => MultiTensorStep.StepGroup(this, this, group);

    int IMultiTensorOptimizer.StepScalars => 0;

    string? IMultiTensorOptimizer.ReplayObstacle(ParamGroup group, IReadOnlyList<Tensor> parameters)
    {
        if (group.GetDouble("momentum") == 0) return null;
        for (int i = 0; i < parameters.Count; i++)   // an indexed loop: a compiled step asks on every run
            if (GetState(parameters[i])?.ContainsKey(MomentumBuffer.Name) != true)
                return "SGD with momentum creates its momentum buffers on the first step, which updates differently from the later ones";
        return null;
    }

    void IMultiTensorOptimizer.Advance(ParamGroup group, IReadOnlyList<Tensor> parameters, Span<double> scalars, object?[]? ownedCounts)
    {
    }

    void IMultiTensorOptimizer.AddStateTensors(ParamGroup group, Tensor parameter, List<Tensor> into)
    {
        if (group.GetDouble("momentum") != 0) into.Add((Tensor)State(parameter)[MomentumBuffer.Name]);
    }

    /// <summary>
    /// The update of <paramref name="parameters"/> (PyTorch's <c>_multi_tensor_sgd</c>; every element as in
    /// <c>_single_tensor_sgd</c>): one call, or with momentum one for the parameters whose buffer this step
    /// creates (the buffer becomes the gradient) and one for the others.
    /// </summary>
    void IMultiTensorOptimizer.Update(ParamGroup group, IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> gradients, IReadOnlyList<Tensor> scalars, Tensor lr)
    {
        double momentum = group.GetDouble("momentum");
        double dampening = group.GetDouble("dampening"), weightDecay = group.GetDouble("weight_decay");
        bool nesterov = group.GetBool("nesterov"), maximize = group.GetBool("maximize");
        if (momentum == 0)
        {
            MultiTensorStep.Invoke(OptimPrimitives.SgdUpdate, Attributes.Of(("weight_decay", weightDecay), ("maximize", maximize)),
                parameters, gradients, [], [], lr);
            return;
        }
        var withMomentum = Attributes.Of(("momentum", momentum), ("dampening", dampening),
            ("weight_decay", weightDecay), ("nesterov", nesterov), ("maximize", maximize), ("first_step", false));
        var had = new bool[parameters.Count];
        for (int i = 0; i < had.Length; i++) had[i] = State(parameters[i]).ContainsKey(MomentumBuffer.Name);
        foreach (bool first in new[] { true, false })
        {
            List<Tensor> ps = [], gs = [], bs = [];
            for (int i = 0; i < parameters.Count; i++)
            {
                if (had[i] == first) continue;
                var state = State(parameters[i]);
                state.TryGetValue(MomentumBuffer.Name, out object? b);
                if (first)
                {
                    b = MomentumBuffer.Create(parameters[i], group);
                    state[MomentumBuffer.Name] = b;
                }
                ps.Add(parameters[i]);
                gs.Add(gradients[i]);
                bs.Add((Tensor)b!);
            }
            if (ps.Count == 0) continue;
            MultiTensorStep.Invoke(OptimPrimitives.SgdMomentumUpdate, first ? withMomentum.With("first_step", true) : withMomentum,
                ps, gs, [bs], [], lr);
        }
    }
}
