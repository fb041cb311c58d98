namespace Avalon.Primitives.Random;

/// <summary>
/// A primitive that draws a fresh tensor from its seed: <c>rand(seed; shape, dtype)</c> (uniform in
/// [0, 1)), <c>randn(seed; shape, dtype)</c> (standard normal) and <c>randint(seed; low, high, shape,
/// dtype)</c> (uniform integers in [low, high)). The seed is an int64 0-d tensor, normally drawn by
/// <see cref="Generator.NextSeed"/>, so a traced or replayed tape draws a fresh seed on each run; the
/// values follow <see cref="CounterRandom"/>. Not differentiable.
/// </summary>
internal sealed class RandomSamplePrimitive : Primitive
{
    private static readonly AttributeSchema s_float = AttributeSchema.Of(
        AttributeSpec.Required("shape", AttributeType.Ints),
        AttributeSpec.WithDefault("dtype", AttributeType.DType, DType.Float32));

    private static readonly AttributeSchema s_integer = AttributeSchema.Of(
        AttributeSpec.Required("low", AttributeType.Int),
        AttributeSpec.Required("high", AttributeType.Int),
        AttributeSpec.Required("shape", AttributeType.Ints),
        AttributeSpec.WithDefault("dtype", AttributeType.DType, DType.Int64));

    /// <summary>Creates <c>rand</c>, <c>randn</c> or <c>randint</c>.</summary>
    public RandomSamplePrimitive(RandomDistribution distribution)
        : base(distribution switch
        {
            RandomDistribution.Uniform => "rand",
            RandomDistribution.Normal => "randn",
            _ => "randint",
        })
    {
        Distribution = distribution;
    }

    /// <summary>What the primitive draws.</summary>
    public RandomDistribution Distribution { get; }

    /// <inheritdoc />
    public override AttributeSchema? Schema => Distribution == RandomDistribution.Integer ? s_integer : s_float;

    /// <inheritdoc />
    public override PrimitiveEffects Effects => PrimitiveEffects.Random;

    /// <inheritdoc />
    public override IReadOnlyList<string> InputNames { get; } = ["seed"];

    /// <inheritdoc />
    public override bool IsDifferentiable => false;

    /// <inheritdoc />
    public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length != 1)
            throw OpErrors.Argument(Name, $"expected one input (the seed), got {inputs.Length}.");
        RandomSeed.Check(Name, inputs[0]);
        var shape = attributes.Ints("shape");
        foreach (int d in shape)
            if (d < 0) throw OpErrors.Argument(Name, $"sizes must be non-negative, got shape {ShapeUtil.Format(shape)}.");
        var dtype = attributes.Get<DType>("dtype");
        if (Distribution == RandomDistribution.Integer)
        {
            long low = attributes.Long("low"), high = attributes.Long("high");
            if (high <= low)
                throw OpErrors.Argument("randint", $"expected low < high, got [{low}, {high}).");
            if (dtype == DType.Bool)
                throw OpErrors.Argument("randint", "dtype bool is not supported; use int64, int32, float32 or float64.");
        }
        else if (!dtype.IsFloatingPoint())
        {
            throw OpErrors.Argument(Name, $"expected a floating-point dtype, got {dtype.Name()}.");
        }
        return new TensorSpec(Shape.Wrap(shape), dtype, inputs[0].Device);
    }
}

/// <summary>What a <see cref="RandomSamplePrimitive"/> draws.</summary>
internal enum RandomDistribution
{
    /// <summary>Uniform in [0, 1).</summary>
    Uniform,
    /// <summary>Standard normal.</summary>
    Normal,
    /// <summary>Uniform integers in [low, high).</summary>
    Integer,
}
