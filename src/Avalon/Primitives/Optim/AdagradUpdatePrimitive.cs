namespace Avalon.Primitives.Optim;

/// <summary>
/// <c>adagrad_update_(param, grad, sum, step; lr, lr_decay, eps, weight_decay, maximize)</c>: PyTorch's
/// single-tensor Adagrad step with a dense gradient. <c>step</c> is the step count t after this step
/// (a 0-d float64 tensor, a value because it changes on every call); the decayed learning rate
/// lr / (1 + (t − 1)·lr_decay) is derived from it in the kernel.
/// </summary>
internal sealed class AdagradUpdatePrimitive : OptimizerUpdatePrimitive
{
    private static readonly AttributeSchema s_schema = AttributeSchema.Of(
        AttributeSpec.Required("lr", AttributeType.Double),
        AttributeSpec.WithDefault("lr_decay", AttributeType.Double, 0.0),
        AttributeSpec.WithDefault("eps", AttributeType.Double, 1e-10),
        AttributeSpec.WithDefault("weight_decay", AttributeType.Double, 0.0),
        AttributeSpec.WithDefault("maximize", AttributeType.Bool, false));

    /// <summary>Creates the primitive.</summary>
    public AdagradUpdatePrimitive() : base("adagrad_update_", ["sum"], ["step"]) { }

    /// <inheritdoc />
    public override AttributeSchema? Schema => s_schema;
}
