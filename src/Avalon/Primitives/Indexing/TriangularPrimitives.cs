namespace Avalon.Primitives.Indexing;

/// <summary>tril / triu over the last two dims; the gradient goes through the same mask.</summary>
[PrimitiveSet]
internal static class TriangularPrimitives
{
    /// <summary>tril(x; diagonal).</summary>
    public static readonly Primitive Tril = new TriangularPrimitive("tril");

    /// <summary>triu(x; diagonal).</summary>
    public static readonly Primitive Triu = new TriangularPrimitive("triu");

    private sealed class TriangularPrimitive : Primitive
    {
        private static readonly AttributeSchema TriangularSchema = AttributeSchema.Of(AttributeSpec.WithDefault("diagonal", AttributeType.Int, 0));

        public TriangularPrimitive(string name) : base(name) { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => TriangularSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            if (x.Shape.Rank < 2)
                throw OpErrors.Argument(Name, $"input tensor must have at least 2 dimensions, got {x}.");
            return x;
        }

        public override Tensor?[] Backward(GradContext c) => [Invoke(c.Attributes, c.GradOutput)];
    }
}
