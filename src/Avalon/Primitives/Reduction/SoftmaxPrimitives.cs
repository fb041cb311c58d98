namespace Avalon.Primitives.Reduction;

/// <summary>
/// Fused softmax and log_softmax over one dim (attribute <c>dim</c>, normalised). Rules, written in
/// primitives so they differentiate again: softmax y·(g − Σ(g·y)); log_softmax g − exp(y)·Σg, the sums
/// over <c>dim</c> with keepdim.
/// </summary>
[PrimitiveSet]
internal static class SoftmaxPrimitives
{
    public static readonly Primitive Softmax = new SoftmaxPrimitive("softmax", c =>
    {
        int dim = c.Attributes.Int("dim");
        var y = c.Output;
        return y * (c.GradOutput - (c.GradOutput * y).Sum([dim], keepDim: true));
    });

    public static readonly Primitive LogSoftmax = new SoftmaxPrimitive("log_softmax", c =>
    {
        int dim = c.Attributes.Int("dim");
        return c.GradOutput - c.Output.Exp() * c.GradOutput.Sum([dim], keepDim: true);
    });

    private sealed class SoftmaxPrimitive : Primitive
    {
        private static readonly AttributeSchema s_schema = AttributeSchema.Of(AttributeSpec.Required("dim", AttributeType.Int));

        private readonly Func<GradContext, Tensor> _rule;

        public SoftmaxPrimitive(string name, Func<GradContext, Tensor> rule) : base(name) => _rule = rule;

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => s_schema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            if (!x.DType.IsFloatingPoint())
                throw OpErrors.Argument(Name, $"expected a floating-point tensor, got {x}. Convert with .To(DType.Float32).");
            int dim = attributes.Int("dim");
            if (dim < 0 || dim >= Math.Max(x.Shape.Rank, 1))
                throw OpErrors.Argument(Name, $"dim {dim} out of range for input of shape {x.Shape}.");
            return x;
        }

        public override Tensor?[] Backward(GradContext context) => [_rule(context)];
    }
}
