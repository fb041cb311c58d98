namespace Avalon.Primitives.Indexing;

/// <summary>
/// gather, scatter and scatter_add along one dim with an int64 index tensor of the same rank as the
/// data. Their rules are each other: the gradient of gather is a scatter_add of the gradient, the
/// gradient of scatter_add's source is a gather of the gradient, and scatter masks the overwritten
/// positions out of its input's gradient.
/// </summary>
[PrimitiveSet]
internal static class GatherScatterPrimitives
{
    /// <summary>gather(x, index; dim).</summary>
    public static readonly Primitive Gather = new GatherPrimitive();

    /// <summary>scatter(self, index, src; dim).</summary>
    public static readonly Primitive Scatter = new ScatterPrimitive("scatter");

    /// <summary>scatter_add(self, index, src; dim).</summary>
    public static readonly Primitive ScatterAdd = new ScatterPrimitive("scatter_add");

    internal static Attributes DimAttribute(int dim) => Attributes.Of(("dim", dim));

    /// <summary>The one attribute of gather, scatter, scatter_add, index_select and index_add.</summary>
    internal static readonly AttributeSchema DimSchema = AttributeSchema.Of(AttributeSpec.Required("dim", AttributeType.Int));

    // Checks shared by the family: int64 index, equal ranks, dim in range.
    internal static int CheckIndex(string op, TensorSpec input, TensorSpec index, Attributes attributes)
    {
        int dim = attributes.Int("dim");
        int rank = Math.Max(input.Shape.Rank, 1);
        if (dim < 0 || dim >= rank)
            throw OpErrors.Argument(op, $"dim {dim} out of range for input {input}.");
        if (index.DType != DType.Int64)
            throw OpErrors.Argument(op, $"expected an index of dtype int64, got {index}. Convert it with .To(DType.Int64).");
        if (Math.Max(index.Shape.Rank, 1) != rank)
            throw OpErrors.Argument(
                op, $"the index must have the same number of dimensions as the input, but the input is {input} (rank {input.Shape.Rank}) and the index is {index} (rank {index.Shape.Rank}).");
        return dim;
    }

    // Size of dim d, with a 0-d tensor counting as size 1 along dim 0.
    private static int SizeAt(Shape shape, int d) => shape.Rank == 0 ? 1 : shape.Dims[d];

    private sealed class GatherPrimitive : Primitive
    {
        public GatherPrimitive() : base("gather") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input", "index"];

        public override AttributeSchema? Schema => DimSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var (x, index) = (inputs[0], inputs[1]);
            int dim = CheckIndex("gather", x, index, attributes);
            if (index.Shape.Numel > 0)
                for (int d = 0; d < Math.Max(x.Shape.Rank, 1); d++)
                    if (d != dim && SizeAt(index.Shape, d) > SizeAt(x.Shape, d))
                        throw OpErrors.Argument(
                            "gather", $"the index {index.Shape} must not be larger than the input {x.Shape} in any dimension but dimension {dim}, but it has size {SizeAt(index.Shape, d)} > {SizeAt(x.Shape, d)} at dimension {d}.");
            return x with { Shape = index.Shape };
        }

        public override Tensor?[] Backward(GradContext c)
        {
            var (x, index) = (c.Inputs[0], c.Inputs[1]);
            var zeros = Tensor.Zeros(x.Shape.ToArray(), x.DType, x.Device);
            return [ScatterAdd.Invoke(c.Attributes, zeros, index, c.GradOutput), null];
        }
    }

    private sealed class ScatterPrimitive : Primitive
    {
        private readonly bool _accumulate;

        public ScatterPrimitive(string name) : base(name) => _accumulate = name == "scatter_add";

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input", "index", "src"];

        public override AttributeSchema? Schema => DimSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var (self, index, src) = (inputs[0], inputs[1], inputs[2]);
            int dim = CheckIndex(Name, self, index, attributes);
            if (src.DType != self.DType)
                throw OpErrors.Argument(
                    Name, $"expected the source to have the input's dtype, but the input is {self} and the source is {src}. Convert with .To(DType.{self.DType}).");
            if (_accumulate && self.DType == DType.Bool)
                throw OpErrors.Argument(Name, $"not defined for bool tensors (got {self}).");
            if (Math.Max(src.Shape.Rank, 1) != Math.Max(self.Shape.Rank, 1))
                throw OpErrors.Argument(
                    Name, $"the source must have the same number of dimensions as the input, but the input is {self} and the source is {src}.");
            if (index.Shape.Numel > 0)
                for (int d = 0; d < Math.Max(self.Shape.Rank, 1); d++)
                {
                    int i = SizeAt(index.Shape, d);
                    if (i > SizeAt(src.Shape, d) || d != dim && i > SizeAt(self.Shape, d))
                        throw OpErrors.Argument(
                            Name, $"the index {index.Shape} must not be larger than the source {src.Shape} in any dimension, nor larger than the input {self.Shape} in any dimension but dimension {dim}, but it has size {i} at dimension {d}.");
                }
            return self;
        }

        public override Tensor?[] Backward(GradContext c)
        {
            var (index, src, g) = (c.Inputs[1], c.Inputs[2], c.GradOutput);
            Tensor? gradSelf = null, gradSrc = null;
            if (c.NeedsInputGrad[0])
                gradSelf = _accumulate ? g
                    : Scatter.Invoke(c.Attributes, g, index, Tensor.Scalar(0, g.DType, g.Device).Expand(index.Shape.ToArray()));
            if (c.NeedsInputGrad[2])
                gradSrc = PadToShape(Gather.Invoke(c.Attributes, g, index), src.Shape);
            return [gradSelf, null, gradSrc];
        }

        // The source may be larger than the index (only the index's window of it is read): zero elsewhere.
        private static Tensor PadToShape(Tensor g, Shape shape)
        {
            if (g.Shape == shape) return g;
            if (g.Rank == 0) return g.Reshape(shape.ToArray());
            var pads = new int[2 * g.Rank];
            for (int p = 0; p < g.Rank; p++) pads[2 * p + 1] = shape.Dims[g.Rank - 1 - p] - g.Shape.Dims[g.Rank - 1 - p];
            return g.Pad(pads);
        }
    }
}
