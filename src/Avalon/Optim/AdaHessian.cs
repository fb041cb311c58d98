using Avalon.Autodiff;

namespace Avalon.Optim;

/// <summary>
/// AdaHessian (Yao et al., 2020, "ADAHESSIAN: An Adaptive Second Order Optimizer for Machine
/// Learning"): Adam with the squared gradient replaced by the square of a Hutchinson estimate of the
/// Hessian's diagonal.
/// </summary>
/// <remarks>
/// <para>The step needs gradients that can be differentiated again:
/// <code>
/// optimizer.ZeroGrad();
/// var loss = lossFn(model.Forward(x), y);
/// loss.Backward(createGraph: true);
/// optimizer.Step();
/// </code>
/// or <c>optimizer.Step(closure)</c> with a closure that does the same and returns the loss. From the
/// gradients g (with their graph) the step draws Rademacher vectors z (entries ±1, from the optimiser's
/// <see cref="Generator"/>, one tensor per parameter in parameter order) and computes the Hessian-vector
/// product Hz over all parameters together with <see cref="Autograd.Grad(IReadOnlyList{Tensor}, IReadOnlyList{Tensor}, IReadOnlyList{Tensor}, bool?, bool, bool)"/>;
/// D = mean over <c>n_samples</c> draws of z ⊙ Hz estimates the Hessian diagonal. D is recomputed every
/// <c>update_each</c> steps of a parameter and kept in between. For a 4-D (convolution) weight with
/// <c>average_conv_kernel</c>, D becomes the mean of |D| over the kernel's spatial dimensions, broadcast
/// back (the paper's spatial averaging). Then, for each parameter θ at step t:
/// <code>
/// θ ← θ·(1 − lr·weight_decay)                  (decoupled, as AdamW)
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·D²
/// θ ← θ − lr/(1 − β₁ᵗ) · m / ((v/(1 − β₂ᵗ))^(k/2) + eps)     k = hessian_power
/// </code>
/// This is the update of the authors' PyTorch implementation. The Hessian estimate is joint over all
/// parameter groups; <c>n_samples</c> is read from the first group, the other hyperparameters per group.</para>
/// <para>State per parameter: <c>step</c>, <c>hessian_step</c> (counts), <c>exp_avg</c>,
/// <c>exp_hessian_diag_sq</c> and <c>hessian_diag</c> (the last estimate D). Hyperparameters: <c>lr</c>,
/// <c>betas</c>, <c>eps</c>, <c>weight_decay</c>, <c>hessian_power</c>, <c>update_each</c>,
/// <c>n_samples</c>, <c>average_conv_kernel</c>.</para>
/// </remarks>
public sealed class AdaHessian : Optimizer
{
    private static readonly OptimizerStateEntry StepCount = new("step", OptimizerStateKind.Count, (_, _) => 0.0);
    private static readonly OptimizerStateEntry HessianStep = new("hessian_step", OptimizerStateKind.Count, (_, _) => 0.0);
    private static readonly OptimizerStateEntry ExpAvg = OptimizerStateEntry.Zeros("exp_avg");
    private static readonly OptimizerStateEntry ExpHessianDiagSq = OptimizerStateEntry.Zeros("exp_hessian_diag_sq");
    private static readonly OptimizerStateEntry HessianDiag = OptimizerStateEntry.Zeros("hessian_diag");
    private static readonly OptimizerStateEntry[] Entries = [StepCount, HessianStep, ExpAvg, ExpHessianDiagSq, HessianDiag];

    /// <summary>Creates AdaHessian over <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise.</param>
    /// <param name="lr">Learning rate (default 0.15).</param>
    /// <param name="betas">Decay rates of the running averages of the gradient and of the squared Hessian diagonal (default (0.9, 0.999)).</param>
    /// <param name="eps">Added to the denominator (default 1e-4).</param>
    /// <param name="weightDecay">Decoupled weight decay (default 0).</param>
    /// <param name="hessianPower">The power k of the denominator, in [0, 1] (default 1).</param>
    /// <param name="updateEach">Recompute the Hessian diagonal every this many steps (default 1).</param>
    /// <param name="nSamples">Rademacher draws averaged per estimate (default 1).</param>
    /// <param name="averageConvKernel">Average the estimate of 4-D weights over their spatial dimensions (default true).</param>
    /// <param name="generator">The source of the Rademacher vectors (default <see cref="Generator.Default"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the message names it).</exception>
    public AdaHessian(IEnumerable<Tensor> parameters, double lr = 0.15, (double Beta1, double Beta2)? betas = null, double eps = 1e-4,
        double weightDecay = 0, double hessianPower = 1, int updateEach = 1, int nSamples = 1, bool averageConvKernel = true, Generator? generator = null)
        : base(parameters, DefaultOptions(lr, betas ?? (0.9, 0.999), eps, weightDecay, hessianPower, updateEach, nSamples, averageConvKernel))
    {
        Generator = generator ?? Generator.Default;
    }

    /// <summary>Creates AdaHessian over parameter groups; a group's own hyperparameters override these defaults.</summary>
    /// <param name="groups">The parameter groups.</param>
    /// <param name="lr">Default learning rate.</param>
    /// <param name="betas">Default decay rates (default (0.9, 0.999)).</param>
    /// <param name="eps">Default epsilon.</param>
    /// <param name="weightDecay">Default decoupled weight decay.</param>
    /// <param name="hessianPower">Default power of the denominator.</param>
    /// <param name="updateEach">Default interval between Hessian estimates.</param>
    /// <param name="nSamples">Rademacher draws per estimate (the first group's value is used).</param>
    /// <param name="averageConvKernel">Default for spatial averaging of 4-D weights.</param>
    /// <param name="generator">The source of the Rademacher vectors (default <see cref="Generator.Default"/>).</param>
    /// <exception cref="ArgumentOutOfRangeException">A hyperparameter is out of range (the message names it).</exception>
    public AdaHessian(IEnumerable<ParamGroup> groups, double lr = 0.15, (double Beta1, double Beta2)? betas = null, double eps = 1e-4,
        double weightDecay = 0, double hessianPower = 1, int updateEach = 1, int nSamples = 1, bool averageConvKernel = true, Generator? generator = null)
        : base(groups, DefaultOptions(lr, betas ?? (0.9, 0.999), eps, weightDecay, hessianPower, updateEach, nSamples, averageConvKernel))
    {
        Generator = generator ?? Generator.Default;
    }

    /// <summary>The source of the Rademacher vectors.</summary>
    public Generator Generator { get; }

    /// <inheritdoc />
    public override IReadOnlyList<OptimizerStateEntry> StateEntries => Entries;

    private static Dictionary<string, object> DefaultOptions(double lr, (double Beta1, double Beta2) betas, double eps, double weightDecay,
        double hessianPower, int updateEach, int nSamples, bool averageConvKernel) => new()
    {
        ["lr"] = lr,
        ["betas"] = new[] { betas.Beta1, betas.Beta2 },
        ["eps"] = eps,
        ["weight_decay"] = weightDecay,
        ["hessian_power"] = hessianPower,
        ["update_each"] = (double)updateEach,
        ["n_samples"] = (double)nSamples,
        ["average_conv_kernel"] = averageConvKernel,
    };

    /// <inheritdoc />
    protected override void ValidateGroup(ParamGroup group)
    {
        double lr = group.GetDouble("lr"), eps = group.GetDouble("eps"), weightDecay = group.GetDouble("weight_decay");
        double power = group.GetDouble("hessian_power"), updateEach = group.GetDouble("update_each"), nSamples = group.GetDouble("n_samples");
        double[] betas = group.GetDoubles("betas");
        ThrowIfInvalid(betas.Length != 2, "betas", betas, "betas (expected two values)");
        ThrowIfInvalid(!(lr >= 0), "lr", lr, "learning rate");
        ThrowIfInvalid(!(eps >= 0), "eps", eps, "epsilon value");
        ThrowIfInvalid(!(betas[0] >= 0 && betas[0] < 1), "betas", betas[0], "beta parameter at index 0");
        ThrowIfInvalid(!(betas[1] >= 0 && betas[1] < 1), "betas", betas[1], "beta parameter at index 1");
        ThrowIfInvalid(!(weightDecay >= 0), "weight_decay", weightDecay, "weight_decay value");
        ThrowIfInvalid(!(power >= 0 && power <= 1), "hessian_power", power, "Hessian power value (expected 0 <= hessian_power <= 1)");
        ThrowIfInvalid(!(updateEach >= 1 && updateEach == Math.Floor(updateEach)), "update_each", updateEach, "update_each value (expected a whole number >= 1)");
        ThrowIfInvalid(!(nSamples >= 1 && nSamples == Math.Floor(nSamples)), "n_samples", nSamples, "n_samples value (expected a whole number >= 1)");
        group.GetBool("average_conv_kernel");
    }

    /// <inheritdoc />
    protected override void StepGroup(ParamGroup group)
    {
        // The estimate is joint over every parameter: it is made once per step, before the first group.
        if (ReferenceEquals(group, ParamGroups[0])) EstimateHessianDiagonals();
        double[] betas = group.GetDoubles("betas");
        double lr = group.GetDouble("lr"), eps = group.GetDouble("eps"), weightDecay = group.GetDouble("weight_decay");
        double power = group.GetDouble("hessian_power");
        bool averageConv = group.GetBool("average_conv_kernel");
        foreach (Tensor p in group.Parameters)
        {
            if (p.Grad is null) continue;
            CheckDense(p);
            Tensor grad = DenseGradient(p);
            var state = InitialState(p, group);
            var diag = (Tensor)state[HessianDiag.Name];
            if (averageConv && p.Rank == 4)
            {
                diag = diag.Abs().Mean([2, 3], keepDim: true).ExpandAs(p).ContiguousCopy();
                state[HessianDiag.Name] = diag;
            }
            double step = (double)state[StepCount.Name] + 1;
            state[StepCount.Name] = step;
            var expAvg = (Tensor)state[ExpAvg.Name];
            var expHessianDiagSq = (Tensor)state[ExpHessianDiagSq.Name];
            if (weightDecay != 0) p.Mul_(1 - lr * weightDecay);
            expAvg.Mul_(betas[0]).Add_(grad * (1 - betas[0]));
            expHessianDiagSq.Mul_(betas[1]).Add_(diag * diag * (1 - betas[1]));
            double biasCorrection1 = 1 - Math.Pow(betas[0], step);
            double biasCorrection2 = 1 - Math.Pow(betas[1], step);
            var denom = (expHessianDiagSq / biasCorrection2).Pow(power / 2) + eps;
            p.Sub_(expAvg / denom * (lr / biasCorrection1));
        }
    }

    /// <summary>A Rademacher tensor shaped like <paramref name="like"/>: entries −1 or +1 with equal probability.</summary>
    internal static Tensor Rademacher(Tensor like, Generator generator) =>
        Tensor.RandInt(0, 2, like.Shape.ToArray(), generator, DType.Int64, like.Device).To(like.DType) * 2.0 - 1.0;

    private void EstimateHessianDiagonals()
    {
        var parameters = new List<Tensor>();
        var states = new List<Dictionary<string, object>>();
        foreach (ParamGroup group in ParamGroups)
        {
            double updateEach = group.GetDouble("update_each");
            foreach (Tensor p in group.Parameters)
            {
                if (p.Grad is null) continue;
                var state = InitialState(p, group);
                double hessianStep = (double)state[HessianStep.Name];
                if (hessianStep % updateEach == 0)
                {
                    parameters.Add(p);
                    states.Add(state);
                }
                state[HessianStep.Name] = hessianStep + 1;
            }
        }
        if (parameters.Count == 0) return;
        var grads = new Tensor[parameters.Count];
        for (int i = 0; i < grads.Length; i++)
        {
            var g = parameters[i].Grad!;
            if (g.GradFn is null)
                throw new InvalidOperationException(
                    $"{Name}: the gradient of a parameter of shape {parameters[i].Shape} has no grad_fn, so its Hessian cannot be estimated. " +
                    "Call loss.Backward(createGraph: true) before Step().");
            grads[i] = g;
        }
        int samples = (int)ParamGroups[0].GetDouble("n_samples");
        var sums = new Tensor?[parameters.Count];
        for (int s = 0; s < samples; s++)
        {
            var zs = parameters.Select(p => Rademacher(p, Generator)).ToArray();
            var hzs = Autograd.Grad(grads, parameters, zs, retainGraph: s < samples - 1, allowUnused: true);
            for (int i = 0; i < hzs.Length; i++)
            {
                if (hzs[i] is not { } hz) continue;   // a gradient that does not depend on the parameter: zero curvature
                var term = hz * zs[i];
                sums[i] = sums[i] is { } acc ? acc + term : term;
            }
        }
        for (int i = 0; i < parameters.Count; i++)
            states[i][HessianDiag.Name] = sums[i] is { } sum ? (sum / samples).ContiguousCopy() : Tensor.ZerosLike(parameters[i]);
    }
}
