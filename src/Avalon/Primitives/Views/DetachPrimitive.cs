namespace Avalon.Primitives.Views;

/// <summary>
/// detach(x): the same elements (a view sharing x's storage) with no gradient flowing back — a recorded
/// stop-gradient, so a replayed tape recomputes it from its input instead of keeping the recorded value.
/// </summary>
[PrimitiveSet]
internal static class DetachPrimitives
{
    /// <summary>detach(x) → a view of x through which no gradient flows.</summary>
    public static readonly Primitive Detach = new DetachPrimitive();

    private sealed class DetachPrimitive : ViewPrimitive
    {
        public DetachPrimitive() : base("detach") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => AttributeSchema.None;

        public override bool IsDifferentiable => false;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes) =>
            inputs.Length == 1 ? inputs[0] : throw OpErrors.Argument("detach", $"expected 1 input, got {inputs.Length}.");

        public override Tensor View(Tensor[] inputs, Attributes attributes, TensorSpec output) =>
            Tensor.OverStorage(inputs[0].Storage, inputs[0].Shape.ToArray(), inputs[0].Strides, inputs[0].Offset);
    }
}
