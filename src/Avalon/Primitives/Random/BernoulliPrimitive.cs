namespace Avalon.Primitives.Random;

/// <summary>
/// <c>bernoulli(p, seed)</c>: 1 where the uniform draw of element i (<see cref="CounterRandom"/>) is
/// below p[i], else 0, in p's shape and floating-point dtype (PyTorch's <c>torch.bernoulli</c>). Not
/// differentiable.
/// </summary>
internal sealed class BernoulliPrimitive : Primitive
{
    /// <summary>Creates the primitive.</summary>
    public BernoulliPrimitive() : base("bernoulli") { }

    /// <inheritdoc />
    public override AttributeSchema? Schema => AttributeSchema.None;

    /// <inheritdoc />
    public override PrimitiveEffects Effects => PrimitiveEffects.Random;

    /// <inheritdoc />
    public override IReadOnlyList<string> InputNames { get; } = ["input", "seed"];

    /// <inheritdoc />
    public override bool IsDifferentiable => false;

    /// <inheritdoc />
    public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length != 2)
            throw OpErrors.Argument("bernoulli", $"expected two inputs (p, seed), got {inputs.Length}.");
        if (!inputs[0].DType.IsFloatingPoint())
            throw OpErrors.Argument("bernoulli", $"expected floating-point probabilities, got {inputs[0]}. Convert with .To(DType.Float32).");
        RandomSeed.Check("bernoulli", inputs[1]);
        return inputs[0];
    }
}
