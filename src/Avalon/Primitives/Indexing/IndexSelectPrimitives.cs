namespace Avalon.Primitives.Indexing;

/// <summary>
/// index_select and index_add along one dim with a 1-D (or 0-D) int64 index: the gradient of a
/// selection is an index_add of the gradient into zeros, and the gradient of index_add's source is a
/// selection of the gradient.
/// </summary>
[PrimitiveSet]
internal static class IndexSelectPrimitives
{
    /// <summary>index_select(x, index; dim).</summary>
    public static readonly Primitive IndexSelect = new IndexSelectPrimitive();

    /// <summary>index_add(self, index, source; dim).</summary>
    public static readonly Primitive IndexAdd = new IndexAddPrimitive();

    private static int Check(string op, TensorSpec x, TensorSpec index, Attributes attributes)
    {
        int dim = attributes.Int("dim");
        if (dim < 0 || dim >= Math.Max(x.Shape.Rank, 1))
            throw OpErrors.Argument(op, $"dim {dim} out of range for input {x}.");
        if (index.DType != DType.Int64)
            throw OpErrors.Argument(op, $"expected an index of dtype int64, got {index}. Convert it with .To(DType.Int64).");
        if (index.Shape.Rank > 1)
            throw OpErrors.Argument(op, $"the index must be a vector (rank 0 or 1), got {index}.");
        return dim;
    }

    // The input's shape with dim resized to the index's length (a 0-d input stays 0-d).
    private static int[] Resized(Shape shape, int dim, int length) => shape.Rank == 0 ? [] : [.. shape.Dims[..dim], length, .. shape.Dims[(dim + 1)..]];

    private sealed class IndexSelectPrimitive : Primitive
    {
        public IndexSelectPrimitive() : base("index_select") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input", "index"];

        public override AttributeSchema? Schema => GatherScatterPrimitives.DimSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var (x, index) = (inputs[0], inputs[1]);
            int dim = Check("index_select", x, index, attributes);
            if (x.Shape.Rank == 0 && index.Shape.Numel != 1)
                throw OpErrors.Argument("index_select", $"a 0-dimensional input takes an index of exactly one element, got {index}.");
            return x with { Shape = Shape.Wrap(Resized(x.Shape, dim, index.Shape.Numel)) };
        }

        public override Tensor?[] Backward(GradContext c)
        {
            var x = c.Inputs[0];
            var zeros = Tensor.Zeros(x.Shape.ToArray(), x.DType, x.Device);
            return [IndexAdd.Invoke(c.Attributes, zeros, c.Inputs[1], c.GradOutput), null];
        }
    }

    private sealed class IndexAddPrimitive : Primitive
    {
        public IndexAddPrimitive() : base("index_add") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input", "index", "source"];

        public override AttributeSchema? Schema => GatherScatterPrimitives.DimSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var (self, index, source) = (inputs[0], inputs[1], inputs[2]);
            int dim = Check("index_add", self, index, attributes);
            if (source.DType != self.DType)
                throw OpErrors.Argument(
                    "index_add", $"expected the source to have the input's dtype, but the input is {self} and the source is {source}. Convert with .To(DType.{self.DType}).");
            if (self.DType == DType.Bool)
                throw OpErrors.Argument("index_add", $"not defined for bool tensors (got {self}).");
            var expected = Resized(self.Shape, dim, index.Shape.Numel);
            if (!source.Shape.AsSpan().SequenceEqual(expected))
                throw OpErrors.Argument(
                    "index_add", $"the source must have shape {ShapeUtil.Format(expected)} (the input {self.Shape} with dimension {dim} resized to the index's {index.Shape.Numel} elements), got {source.Shape}.");
            return self;
        }

        public override Tensor?[] Backward(GradContext c) =>
        [
            c.NeedsInputGrad[0] ? c.GradOutput : null,
            null,
            c.NeedsInputGrad[2] ? IndexSelect.Invoke(c.Attributes, c.GradOutput, c.Inputs[1]) : null,
        ];
    }
}
