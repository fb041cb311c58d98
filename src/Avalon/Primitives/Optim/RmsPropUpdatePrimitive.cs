namespace Avalon.Primitives.Optim;

/// <summary>
/// <c>rmsprop_update_(param, grad, square_avg[, momentum_buffer][, grad_avg]; lr, alpha, eps,
/// weight_decay, momentum, maximize)</c>: PyTorch's single-tensor RMSprop step. The state it takes is
/// part of the primitive (what it writes is fixed per primitive), so there are four: plain
/// (<c>rmsprop_update_</c>), with momentum (<c>rmsprop_momentum_update_</c>), centered
/// (<c>rmsprop_centered_update_</c>) and both (<c>rmsprop_centered_momentum_update_</c>).
/// </summary>
internal sealed class RmsPropUpdatePrimitive : OptimizerUpdatePrimitive
{
    private static readonly AttributeSchema s_schema = AttributeSchema.Of(
        AttributeSpec.Required("lr", AttributeType.Double),
        AttributeSpec.WithDefault("alpha", AttributeType.Double, 0.99),
        AttributeSpec.WithDefault("eps", AttributeType.Double, 1e-8),
        AttributeSpec.WithDefault("weight_decay", AttributeType.Double, 0.0),
        AttributeSpec.WithDefault("momentum", AttributeType.Double, 0.0),
        AttributeSpec.WithDefault("maximize", AttributeType.Bool, false));

    /// <summary>Creates the variant with the given state.</summary>
    public RmsPropUpdatePrimitive(bool momentum, bool centered)
        : base("rmsprop_" + (centered ? "centered_" : "") + (momentum ? "momentum_" : "") + "update_",
            [ "square_avg", .. momentum ? new[] { "momentum_buffer" } : [], .. centered ? new[] { "grad_avg" } : [] ], [])
    {
        HasMomentum = momentum;
        Centered = centered;
    }

    /// <summary>Whether the call takes a momentum buffer (input 3).</summary>
    public bool HasMomentum { get; }

    /// <summary>Whether the call takes the running average of the gradient (the last state input).</summary>
    public bool Centered { get; }

    /// <inheritdoc />
    public override AttributeSchema? Schema => s_schema;
}
