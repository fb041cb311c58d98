namespace Avalon.Primitives.Elementwise;

/// <summary>Conversion between dtypes (attribute <c>dtype</c>); gradients flow between floating-point dtypes only.</summary>
[PrimitiveSet]
internal static class ConversionPrimitives
{
    public static readonly Primitive Convert = new ConvertPrimitive();

    private sealed class ConvertPrimitive : Primitive
    {
        private static readonly AttributeSchema s_schema = AttributeSchema.Of(AttributeSpec.Required("dtype", AttributeType.DType));

        public ConvertPrimitive() : base("convert") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => s_schema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes) =>
            inputs[0] with { DType = attributes.Get<DType>("dtype") };

        public override Tensor?[] Backward(GradContext c) =>
            [c.Inputs[0].DType.IsFloatingPoint() ? c.GradOutput.To(c.Inputs[0].DType) : null];
    }
}
