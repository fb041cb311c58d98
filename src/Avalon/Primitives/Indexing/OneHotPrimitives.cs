namespace Avalon.Primitives.Indexing;

/// <summary>one_hot(indices; num_classes): int64 in, int64 out, no gradient.</summary>
[PrimitiveSet]
internal static class OneHotPrimitives
{
    /// <summary>one_hot(indices; num_classes).</summary>
    public static readonly Primitive OneHot = new OneHotPrimitive();

    private sealed class OneHotPrimitive : Primitive
    {
        private static readonly AttributeSchema OneHotSchema = AttributeSchema.Of(AttributeSpec.Required("num_classes", AttributeType.Int));

        public OneHotPrimitive() : base("one_hot") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => OneHotSchema;

        public override bool IsDifferentiable => false;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            int classes = attributes.Int("num_classes");
            if (x.DType != DType.Int64)
                throw OpErrors.Argument("one_hot", $"expected int64 class indices, got {x}. Convert them with .To(DType.Int64).");
            if (classes < 0)
                throw OpErrors.Argument("one_hot", $"num_classes must be non-negative, got {classes}.");
            return x with { Shape = Shape.Wrap([.. x.Shape.Dims, classes]) };
        }
    }
}
