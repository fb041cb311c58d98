namespace Avalon.Primitives.Indexing;

/// <summary>
/// sort and topk along one dim: each call defines two values, the values in order and their int64
/// positions along the dim in the input. NaN counts as larger than every number (PyTorch's order).
/// The rule of both scatters the values' gradient back to the positions the indices name (the
/// indices carry no gradient).
/// </summary>
[PrimitiveSet]
internal static class SortingPrimitives
{
    /// <summary>sort(x; dim, descending, stable) -> (values, indices).</summary>
    public static readonly Primitive Sort = new SortPrimitive();

    /// <summary>topk(x; k, dim, largest, sorted) -> (values, indices): the k largest (or smallest) along dim.</summary>
    public static readonly Primitive TopK = new TopKPrimitive();

    private static readonly AttributeSchema SortSchema = AttributeSchema.Of(
        AttributeSpec.WithDefault("dim", AttributeType.Int, 0),
        AttributeSpec.WithDefault("descending", AttributeType.Bool, false),
        AttributeSpec.WithDefault("stable", AttributeType.Bool, false));

    private static readonly AttributeSchema TopKSchema = AttributeSchema.Of(
        AttributeSpec.Required("k", AttributeType.Int),
        AttributeSpec.WithDefault("dim", AttributeType.Int, 0),
        AttributeSpec.WithDefault("largest", AttributeType.Bool, true),
        AttributeSpec.WithDefault("sorted", AttributeType.Bool, true));

    // The dim (a 0-d tensor counts as one element along dim 0) and the dtype, checked.
    private static int Check(string op, TensorSpec x, Attributes attributes)
    {
        int dim = attributes.Int("dim");
        if (dim < 0 || dim >= Math.Max(x.Shape.Rank, 1))
            throw OpErrors.Argument(op, $"dim {dim} out of range for input {x}.");
        if (x.DType is not (DType.Float32 or DType.Float64 or DType.Int32 or DType.Int64))
            throw OpErrors.Argument(op, $"expected a float32, float64, int32 or int64 input, got {x}.");
        return dim;
    }

    // The values' gradient written to the input positions the indices name, zeros elsewhere.
    private static Tensor?[] ScatterBack(GradContext c)
    {
        if (!c.NeedsInputGrad[0]) return [null];
        var x = c.Inputs[0];
        var zeros = Tensor.Zeros(x.Shape.ToArray(), x.DType, x.Device);
        return [GatherScatterPrimitives.ScatterAdd.Invoke(GatherScatterPrimitives.DimAttribute(c.Attributes.Int("dim")), zeros, c.Outputs[1], c.GradOutputOrZeros(0))];
    }

    private sealed class SortPrimitive : Primitive
    {
        public SortPrimitive() : base("sort") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => SortSchema;

        public override int OutputCount => 2;

        public override TensorSpec[] InferSpecs(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            Check("sort", x, attributes);
            return [x, x with { DType = DType.Int64 }];
        }

        public override Tensor?[] Backward(GradContext c) => ScatterBack(c);
    }

    private sealed class TopKPrimitive : Primitive
    {
        public TopKPrimitive() : base("topk") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => TopKSchema;

        public override int OutputCount => 2;

        public override TensorSpec[] InferSpecs(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            int dim = Check("topk", x, attributes);
            int k = attributes.Int("k");
            int size = x.Shape.Rank == 0 ? 1 : x.Shape.Dims[dim];
            if (x.Shape.Rank == 0 && k != 1)
                throw OpErrors.Argument("topk", $"k ({k}) must be 1 for a 0-dimensional input {x}.");
            if (k < 0 || k > size)
                throw OpErrors.Argument("topk", $"k ({k}) must lie in [0, {size}], the size of dimension {dim} of the input {x}.");
            var shape = x.Shape.ToArray();
            if (shape.Length > 0) shape[dim] = k;
            var values = x with { Shape = Shape.Wrap(shape) };
            return [values, values with { DType = DType.Int64 }];
        }

        public override Tensor?[] Backward(GradContext c) => ScatterBack(c);
    }
}
