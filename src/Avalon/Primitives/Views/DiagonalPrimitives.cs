namespace Avalon.Primitives.Views;

/// <summary>
/// diagonal: a view of the diagonal of two dims (attributes <c>offset</c>, <c>dim1</c>, <c>dim2</c>, normalised
/// and distinct), moved to the last dim. Its rule writes the gradient into the diagonal of zeros
/// (diagonal_backward, which is also <c>diag_embed</c>), and that primitive's rule is diagonal again.
/// diagonal is a device-neutral <see cref="ViewPrimitive"/>; diagonal_backward takes kernels from the backends.
/// </summary>
[PrimitiveSet]
internal static class DiagonalPrimitives
{
    /// <summary>diagonal(x; offset, dim1, dim2).</summary>
    public static readonly Primitive Diagonal = new DiagonalPrimitive();

    /// <summary>diagonal_backward(g; shape, offset, dim1, dim2): zeros of shape with g on the diagonal.</summary>
    public static readonly Primitive DiagonalBackward = new DiagonalBackwardPrimitive();

    private static (int Offset, int Dim1, int Dim2) Args(Attributes a) => (a.Int("offset"), a.Int("dim1"), a.Int("dim2"));

    private static Attributes ArgsOf(Attributes a) =>
        Attributes.Of(("offset", a.Int("offset")), ("dim1", a.Int("dim1")), ("dim2", a.Int("dim2")));

    /// <summary>The diagonal's shape: the other dims in order, then the diagonal's length.</summary>
    internal static int[] DiagonalShape(string op, Shape input, int offset, int dim1, int dim2)
    {
        int rank = input.Rank;
        if (rank < 2) throw OpErrors.Argument(op, $"expected a tensor of at least 2 dimensions, got shape {input}.");
        if (dim1 < 0 || dim1 >= rank || dim2 < 0 || dim2 >= rank || dim1 == dim2)
            throw OpErrors.Argument(op, $"dim1 ({dim1}) and dim2 ({dim2}) must be distinct dims of shape {input}.");
        var shape = new List<int>(rank - 1);
        for (int d = 0; d < rank; d++) if (d != dim1 && d != dim2) shape.Add(input.Dims[d]);
        long length = offset >= 0
            ? Math.Min((long)input.Dims[dim1], (long)input.Dims[dim2] - offset)
            : Math.Min((long)input.Dims[dim1] + offset, input.Dims[dim2]);
        shape.Add((int)Math.Max(0, length));
        return shape.ToArray();
    }

    /// <summary>The diagonal view of <paramref name="x"/> (no recording).</summary>
    internal static Tensor DiagonalView(Tensor x, int offset, int dim1, int dim2, int[] shape)
    {
        var strides = new List<int>(x.Rank - 1);
        for (int d = 0; d < x.Rank; d++) if (d != dim1 && d != dim2) strides.Add(x.StridesInternal[d]);
        strides.Add(x.StridesInternal[dim1] + x.StridesInternal[dim2]);
        int start = x.Offset;
        if (shape[^1] > 0)
            start += offset >= 0 ? offset * x.StridesInternal[dim2] : -offset * x.StridesInternal[dim1];
        return x.ViewOf(shape, strides.ToArray(), start);
    }

    private static readonly AttributeSchema DiagonalSchema = AttributeSchema.Of(
        AttributeSpec.WithDefault("offset", AttributeType.Int, 0),
        AttributeSpec.WithDefault("dim1", AttributeType.Int, 0),
        AttributeSpec.WithDefault("dim2", AttributeType.Int, 1));

    private static readonly AttributeSchema DiagonalBackwardSchema = AttributeSchema.Of(
        AttributeSpec.Required("shape", AttributeType.Ints),
        AttributeSpec.WithDefault("offset", AttributeType.Int, 0),
        AttributeSpec.WithDefault("dim1", AttributeType.Int, 0),
        AttributeSpec.WithDefault("dim2", AttributeType.Int, 1));

    private sealed class DiagonalPrimitive : ViewPrimitive
    {
        public DiagonalPrimitive() : base("diagonal") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => DiagonalSchema;

        public override Tensor View(Tensor[] inputs, Attributes attributes, TensorSpec output)
        {
            var (offset, dim1, dim2) = Args(attributes);
            return DiagonalView(inputs[0], offset, dim1, dim2, output.Shape.ToArray());
        }

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var (offset, dim1, dim2) = Args(attributes);
            return inputs[0] with { Shape = Shape.Wrap(DiagonalShape("diagonal", inputs[0].Shape, offset, dim1, dim2)) };
        }

        public override Tensor?[] Backward(GradContext c) =>
        [
            DiagonalBackward.Invoke(Attributes.Of(("shape", c.Inputs[0].Shape.ToArray()), ("offset", c.Attributes.Int("offset")),
                ("dim1", c.Attributes.Int("dim1")), ("dim2", c.Attributes.Int("dim2"))), c.GradOutput),
        ];
    }

    private sealed class DiagonalBackwardPrimitive : Primitive
    {
        public DiagonalBackwardPrimitive() : base("diagonal_backward") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["grad_output"];

        public override AttributeSchema? Schema => DiagonalBackwardSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var g = inputs[0];
            var shape = Shape.Wrap(attributes.Ints("shape"));
            var (offset, dim1, dim2) = Args(attributes);
            var diagonal = DiagonalShape("diagonal_backward", shape, offset, dim1, dim2);
            if (!g.Shape.AsSpan().SequenceEqual(diagonal))
                throw OpErrors.Argument(
                    "diagonal_backward", $"expected values of the diagonal's shape {ShapeUtil.Format(diagonal)} for a result of shape {shape} (offset {offset}, dims {dim1} and {dim2}), got {g}.");
            return g with { Shape = shape };
        }

        public override Tensor?[] Backward(GradContext c) => [Diagonal.Invoke(ArgsOf(c.Attributes), c.GradOutput)];
    }
}
