namespace Avalon.Primitives.Elementwise;

/// <summary>Elementwise selection: maximum, minimum, clamp and where, with their derivative rules.</summary>
[PrimitiveSet]
internal static class SelectionPrimitives
{
    /// <summary>max(a, b); where a == b the gradient is split in half between them (like PyTorch).</summary>
    public static readonly Primitive Maximum = new BinaryPrimitive("maximum",
        c => SplitTies(c, c.Inputs[0] > c.Inputs[1], c.Inputs[0] < c.Inputs[1]));

    /// <summary>min(a, b); where a == b the gradient is split in half between them (like PyTorch).</summary>
    public static readonly Primitive Minimum = new BinaryPrimitive("minimum",
        c => SplitTies(c, c.Inputs[0] < c.Inputs[1], c.Inputs[0] > c.Inputs[1]));

    private static readonly AttributeSchema s_clampSchema = AttributeSchema.Of(
        AttributeSpec.OptionalOf("min", AttributeType.Double),
        AttributeSpec.OptionalOf("max", AttributeType.Double));

    /// <summary>
    /// clamp(x, min, max) for scalar bounds (attributes <c>min</c> and/or <c>max</c>, doubles); the
    /// gradient passes where min ≤ x ≤ max, bounds included (like PyTorch).
    /// </summary>
    public static readonly Primitive Clamp = new UnaryPrimitive("clamp",
        c =>
        {
            var x = c.Inputs[0];
            Tensor? inside = null;
            if (c.Attributes.Has("min")) inside = x >= c.Attributes.Double("min");
            if (c.Attributes.Has("max"))
            {
                var below = x <= c.Attributes.Double("max");
                inside = inside is null ? below : inside & below;
            }
            return inside is null ? c.GradOutput : Tensor.Where(inside, c.GradOutput, MathPrimitives.Zero(c.GradOutput));
        },
        floatOnly: false,
        schema: s_clampSchema);

    /// <summary>where(cond, a, b): a where cond holds, else b; all three broadcast together.</summary>
    public static readonly Primitive Where = new WherePrimitive();

    // Gradient of a max/min as PyTorch computes it: half to each side on ties, otherwise all of it to each
    // side unless the other side wins (so both get all of it where either is NaN).
    private static (Tensor?, Tensor?) SplitTies(GradContext c, Tensor aWins, Tensor bWins)
    {
        var g = c.GradOutput;
        var zero = MathPrimitives.Zero(g);
        var shared = Tensor.Where(c.Inputs[0].Eq(c.Inputs[1]), g * 0.5, g);
        return (
            c.NeedsInputGrad[0] ? Tensor.Where(bWins, zero, shared) : null,
            c.NeedsInputGrad[1] ? Tensor.Where(aWins, zero, shared) : null);
    }

    private sealed class WherePrimitive : Primitive
    {
        public WherePrimitive() : base("where") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["condition", "input", "other"];

        // The rule routes the gradient by the condition; the two value inputs are read for their shapes only.
        public override bool RuleReadsInput(int index) => index == 0;

        public override AttributeSchema? Schema => AttributeSchema.None;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            if (inputs.Length != 3) throw OpErrors.Argument("where", $"expected 3 inputs (condition, input, other), got {inputs.Length}.");
            var (cond, a, b) = (inputs[0], inputs[1], inputs[2]);
            if (cond.DType != DType.Bool)
                throw OpErrors.Argument("where", $"expected condition to be a bool tensor, got {cond}. Make one with a comparison (e.g. x.Gt(0)).");
            if (a.DType != b.DType)
                throw OpErrors.Argument(
                    "where", $"expected input and other to have the same dtype, but got {a} and {b}. Convert one with .To(DType.{a.DType}) or .To(DType.{b.DType}).");
            var shape = ShapeUtil.Broadcast(ShapeUtil.Broadcast(cond.Shape.Dims, a.Shape.Dims, "where"), b.Shape.Dims, "where");
            return new TensorSpec(Shape.Wrap(shape), a.DType, a.Device);
        }

        public override Tensor?[] Backward(GradContext c)
        {
            var (cond, a, b, g) = (c.Inputs[0], c.Inputs[1], c.Inputs[2], c.GradOutput);
            var zero = MathPrimitives.Zero(g);
            return
            [
                null,
                c.NeedsInputGrad[1] ? GradHelpers.SumToShape(Tensor.Where(cond, g, zero), a.Shape) : null,
                c.NeedsInputGrad[2] ? GradHelpers.SumToShape(Tensor.Where(cond, zero, g), b.Shape) : null,
            ];
        }
    }
}
