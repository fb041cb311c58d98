namespace Avalon.Primitives.Optim;

/// <summary>
/// <c>sgd_update_(param, grad; lr, weight_decay, maximize)</c> and, with a momentum buffer,
/// <c>sgd_momentum_update_(param, grad, momentum_buffer; lr, momentum, dampening, weight_decay,
/// nesterov, maximize, first_step)</c>: PyTorch's single-tensor SGD step. <c>first_step</c> makes the
/// buffer a copy of the (adjusted) gradient, as PyTorch does when the buffer does not exist yet.
/// </summary>
internal sealed class SgdUpdatePrimitive : OptimizerUpdatePrimitive
{
    private static readonly AttributeSchema s_plain = AttributeSchema.Of(
        AttributeSpec.Required("lr", AttributeType.Double),
        AttributeSpec.WithDefault("weight_decay", AttributeType.Double, 0.0),
        AttributeSpec.WithDefault("maximize", AttributeType.Bool, false));

    private static readonly AttributeSchema s_momentum = AttributeSchema.Of(
        AttributeSpec.Required("lr", AttributeType.Double),
        AttributeSpec.Required("momentum", AttributeType.Double),
        AttributeSpec.WithDefault("dampening", AttributeType.Double, 0.0),
        AttributeSpec.WithDefault("weight_decay", AttributeType.Double, 0.0),
        AttributeSpec.WithDefault("nesterov", AttributeType.Bool, false),
        AttributeSpec.WithDefault("maximize", AttributeType.Bool, false),
        AttributeSpec.WithDefault("first_step", AttributeType.Bool, false));

    /// <summary>Creates the plain or the momentum variant.</summary>
    public SgdUpdatePrimitive(bool momentum)
        : base(momentum ? "sgd_momentum_update_" : "sgd_update_", momentum ? ["momentum_buffer"] : [], [])
    {
        HasMomentum = momentum;
    }

    /// <summary>Whether the call takes (and updates) a momentum buffer.</summary>
    public bool HasMomentum { get; }

    /// <inheritdoc />
    public override AttributeSchema? Schema => HasMomentum ? s_momentum : s_plain;
}
