namespace Avalon.Primitives;

/// <summary>Raised when differentiating through a primitive that has no derivative rule.</summary>
public sealed class MissingDerivativeRuleException : NotSupportedException
{
    /// <summary>Creates the exception for <paramref name="primitive"/>.</summary>
    public MissingDerivativeRuleException(Primitive primitive)
        : base($"Primitive '{primitive.Name}' has no derivative rule, so gradients cannot flow through it. " +
               $"Give it one by overriding Primitive.Backward in its class, or register your own primitive with " +
               $"PrimitiveRegistry.Register(\"{primitive.Name}_with_grad\", specRule, kernel, backward: ctx => new Tensor?[] {{ ... }}) " +
               "where the rule computes each input's gradient from ctx.GradOutput with tensor operations.")
        => Primitive = primitive;

    /// <summary>The primitive without a rule.</summary>
    public Primitive Primitive { get; }
}
