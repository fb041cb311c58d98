namespace Avalon.Primitives.Reduction;

/// <summary>
/// equal_mask(a, b; dtype): 1 where a == b, else 0, broadcast, as floating-point <c>dtype</c>. Not
/// differentiable (the mask is locally constant); the rules of amax, max_dim, prod and std use it to
/// pick out the elements that attained the extremum or are zero.
/// </summary>
[PrimitiveSet]
internal static class EqualMaskPrimitives
{
    public static readonly Primitive EqualMask = new EqualMaskPrimitive();

    /// <summary>The mask of a == b (broadcast) as <paramref name="dtype"/>.</summary>
    public static Tensor Of(Tensor a, Tensor b, DType dtype) =>
        EqualMask.Invoke(Attributes.Of(("dtype", dtype)), a, b);

    private sealed class EqualMaskPrimitive : Primitive
    {
        private static readonly AttributeSchema s_schema = AttributeSchema.Of(AttributeSpec.Required("dtype", AttributeType.DType));

        public EqualMaskPrimitive() : base("equal_mask") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input", "other"];

        public override AttributeSchema? Schema => s_schema;

        public override bool IsDifferentiable => false;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            if (inputs.Length != 2) throw OpErrors.Argument("equal_mask", $"expected 2 inputs, got {inputs.Length}.");
            var (a, b) = (inputs[0], inputs[1]);
            if (a.DType != b.DType || a.DType == DType.Bool)
                throw OpErrors.Argument("equal_mask", $"expected two numeric inputs of one dtype, got {a} and {b}.");
            var dtype = attributes.Get<DType>("dtype");
            if (!dtype.IsFloatingPoint() || a.DType.IsFloatingPoint() && a.DType != dtype)
                throw OpErrors.Argument("equal_mask", $"cannot produce a {dtype.Name()} mask from {a.DType.Name()} inputs; expected a floating-point dtype equal to the inputs' when they are floating-point.");
            var shape = ShapeUtil.Broadcast(a.Shape.Dims, b.Shape.Dims, "equal_mask");
            return new TensorSpec(Shape.Wrap(shape), dtype, a.Device);
        }
    }
}
