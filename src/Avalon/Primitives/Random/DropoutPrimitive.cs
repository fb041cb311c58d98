namespace Avalon.Primitives.Random;

/// <summary>
/// <c>dropout(x, seed; p)</c>: x[i] · mask[i], where mask[i] is 0 when the uniform draw of element i
/// (<see cref="CounterRandom"/>, in row-major order) is below p and 1/(1 − p) otherwise. Given the
/// seed the call is linear in x, so its derivative rule is <c>dropout(grad, seed; p)</c>: the same mask.
/// </summary>
internal sealed class DropoutPrimitive : Primitive
{
    private static readonly AttributeSchema s_schema = AttributeSchema.Of(AttributeSpec.Required("p", AttributeType.Double));

    /// <summary>Creates the primitive.</summary>
    public DropoutPrimitive() : base("dropout") { }

    /// <inheritdoc />
    public override AttributeSchema? Schema => s_schema;

    /// <inheritdoc />
    public override PrimitiveEffects Effects => PrimitiveEffects.Random;

    /// <inheritdoc />
    public override IReadOnlyList<string> InputNames { get; } = ["input", "seed"];

    /// <inheritdoc />
    public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length != 2)
            throw OpErrors.Argument("dropout", $"expected two inputs (x, seed), got {inputs.Length}.");
        if (!inputs[0].DType.IsFloatingPoint())
            throw OpErrors.Argument("dropout", $"expected a floating-point tensor, got {inputs[0]}. Convert with .To(DType.Float32).");
        RandomSeed.Check("dropout", inputs[1]);
        double p = attributes.Double("p");
        if (!(p >= 0 && p <= 1))
            throw OpErrors.Argument("dropout", $"probability has to be between 0 and 1, but got {p}.");
        return inputs[0];
    }

    /// <inheritdoc />
    public override Tensor?[] Backward(GradContext c) =>
        [c.NeedsInputGrad[0] ? RandomPrimitives.Dropout.Invoke(c.Attributes, c.GradOutput, c.Inputs[1]) : null, null];
}
