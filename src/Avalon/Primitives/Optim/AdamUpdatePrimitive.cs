namespace Avalon.Primitives.Optim;

/// <summary>
/// <c>adam_update_(param, grad, exp_avg, exp_avg_sq, step; lr, beta1, beta2, eps, weight_decay,
/// maximize, decoupled)</c> and, for AMSGrad, <c>adam_amsgrad_update_(param, grad, exp_avg,
/// exp_avg_sq, max_exp_avg_sq, step; ...)</c>: PyTorch's single-tensor Adam step
/// (<c>decoupled</c>: AdamW's weight decay, which shrinks the parameter instead of adding to the
/// gradient).
/// </summary>
/// <remarks>
/// <c>step</c> is the step count t after this step, a 0-d float64 tensor: it changes on every call, so
/// it is a value rather than an attribute (attributes are the static part of a call, the part a
/// planned or compiled executor keys on), and the bias corrections 1 − β₁ᵗ and 1 − β₂ᵗ are derived
/// from it inside the kernel, in double precision as before. The hyperparameters stay attributes:
/// they are fixed for a group unless the user or a scheduler changes them.
/// </remarks>
internal sealed class AdamUpdatePrimitive : OptimizerUpdatePrimitive
{
    private static readonly AttributeSchema s_schema = AttributeSchema.Of(
        AttributeSpec.Required("lr", AttributeType.Double),
        AttributeSpec.WithDefault("beta1", AttributeType.Double, 0.9),
        AttributeSpec.WithDefault("beta2", AttributeType.Double, 0.999),
        AttributeSpec.WithDefault("eps", AttributeType.Double, 1e-8),
        AttributeSpec.WithDefault("weight_decay", AttributeType.Double, 0.0),
        AttributeSpec.WithDefault("maximize", AttributeType.Bool, false),
        AttributeSpec.WithDefault("decoupled", AttributeType.Bool, false));

    /// <summary>Creates the plain or the AMSGrad variant.</summary>
    public AdamUpdatePrimitive(bool amsgrad)
        : base(amsgrad ? "adam_amsgrad_update_" : "adam_update_",
            amsgrad ? ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"] : ["exp_avg", "exp_avg_sq"], ["step"])
    {
        Amsgrad = amsgrad;
    }

    /// <summary>Whether the call keeps the running maximum of the second moment (AMSGrad).</summary>
    public bool Amsgrad { get; }

    /// <inheritdoc />
    public override AttributeSchema? Schema => s_schema;
}
