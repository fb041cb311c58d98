namespace Avalon.Primitives.Views;

/// <summary>
/// Primitives that re-describe a tensor without computing: they return views sharing the input's storage
/// (reshape copies only when the layout makes a view impossible). Each rule maps the gradient back.
/// reshape, permute, slice and expand are <see cref="ViewPrimitive"/>s (device-neutral, no kernel);
/// contiguous and slice_backward compute new buffers and take kernels from the backends.
/// </summary>
[PrimitiveSet]
internal static class ViewPrimitives
{
    /// <summary>reshape(x; shape): same elements in row-major order, new sizes.</summary>
    public static readonly Primitive Reshape = new ReshapePrimitive();

    /// <summary>permute(x; dims): reorder dimensions.</summary>
    public static readonly Primitive Permute = new PermutePrimitive();

    /// <summary>slice(x; dim, start, end, step): a strided window along one dimension.</summary>
    public static readonly Primitive Slice = new SlicePrimitive();

    /// <summary>slice_backward(g; shape, dim, start, end, step): zeros of the input shape with g written into the window.</summary>
    public static readonly Primitive SliceBackward = new SliceBackwardPrimitive();

    /// <summary>expand(x; shape): broadcast size-1 dims (and new leading dims) without copying.</summary>
    public static readonly Primitive Expand = new ExpandPrimitive();

    /// <summary>contiguous(x): a dense copy.</summary>
    public static readonly Primitive Copy = new CopyPrimitive();

    private static readonly AttributeSchema ShapeSchema = AttributeSchema.Of(AttributeSpec.Required("shape", AttributeType.Ints));

    private static readonly AttributeSchema PermuteSchema = AttributeSchema.Of(AttributeSpec.Required("dims", AttributeType.Ints));

    private static readonly AttributeSchema SliceSchema = AttributeSchema.Of(
        AttributeSpec.Required("dim", AttributeType.Int),
        AttributeSpec.Required("start", AttributeType.Int),
        AttributeSpec.Required("end", AttributeType.Int),
        AttributeSpec.WithDefault("step", AttributeType.Int, 1));

    private static readonly AttributeSchema SliceBackwardSchema = AttributeSchema.Of(
        AttributeSpec.Required("shape", AttributeType.Ints),
        AttributeSpec.Required("dim", AttributeType.Int),
        AttributeSpec.Required("start", AttributeType.Int),
        AttributeSpec.Required("end", AttributeType.Int),
        AttributeSpec.WithDefault("step", AttributeType.Int, 1));

    private sealed class ReshapePrimitive : ViewPrimitive
    {
        public ReshapePrimitive() : base("reshape") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => ShapeSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            var shape = attributes.Ints("shape");
            if (ShapeUtil.Numel(shape) != x.Shape.Numel)
                throw OpErrors.Argument("reshape", $"shape {ShapeUtil.Format(shape)} is invalid for input of size {x.Shape.Numel} (shape {x.Shape}).");
            return x with { Shape = Shape.Wrap(shape) };
        }

        public override Tensor View(Tensor[] inputs, Attributes attributes, TensorSpec output) => ReshapeView(inputs[0], output);

        public override Tensor?[] Backward(GradContext c) => [c.GradOutput.Reshape(c.Inputs[0].Shape.ToArray())];
    }

    /// <summary>A view when the strides allow it, otherwise a dense copy made through the input's backend.</summary>
    internal static Tensor ReshapeView(Tensor x, TensorSpec spec)
    {
        var shape = spec.Shape.ToArray();
        var strides = ViewStrides(x.Shape.Dims, x.StridesInternal, shape);
        if (strides is not null) return x.ViewOf(shape, strides, x.Offset);
        var dense = x.ContiguousCopy();
        return dense.ViewOf(shape, ShapeUtil.ContiguousStrides(shape), dense.Offset);
    }

    // Strides for viewing (shape, strides) as newShape without copying, or null when impossible
    // (the algorithm of PyTorch's computeStride: match chunks of contiguous dims).
    internal static int[]? ViewStrides(int[] shape, int[] strides, int[] newShape)
    {
        int numel = ShapeUtil.Numel(shape);
        var result = new int[newShape.Length];
        if (numel == 0) return ShapeUtil.ContiguousStrides(newShape);
        int viewD = newShape.Length - 1;
        int chunkBase = strides.Length > 0 ? strides[^1] : 1;
        long tensorNumel = 1, viewNumel = 1;
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            tensorNumel *= shape[d];
            if (d == 0 || shape[d - 1] != 1 && strides[d - 1] != tensorNumel * chunkBase)
            {
                while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1))
                {
                    result[viewD] = (int)(viewNumel * chunkBase);
                    viewNumel *= newShape[viewD];
                    viewD--;
                }
                if (viewNumel != tensorNumel) return null;
                if (d > 0)
                {
                    chunkBase = strides[d - 1];
                    tensorNumel = 1;
                    viewNumel = 1;
                }
            }
        }
        return viewD == -1 ? result : null;
    }

    private sealed class PermutePrimitive : ViewPrimitive
    {
        public PermutePrimitive() : base("permute") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => PermuteSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            var dims = attributes.Ints("dims");
            if (dims.Length != x.Shape.Rank)
                throw OpErrors.Argument("permute", $"number of dims in the permutation ({dims.Length}) does not match the input's rank {x.Shape.Rank} (shape {x.Shape}).");
            var seen = new bool[dims.Length];
            var shape = new int[dims.Length];
            for (int i = 0; i < dims.Length; i++)
            {
                if (dims[i] < 0 || dims[i] >= dims.Length || seen[dims[i]])
                    throw OpErrors.Argument("permute", $"[{string.Join(", ", dims)}] is not a permutation of the dims of a rank-{dims.Length} tensor.");
                seen[dims[i]] = true;
                shape[i] = x.Shape.Dims[dims[i]];
            }
            return x with { Shape = Shape.Wrap(shape) };
        }

        public override Tensor View(Tensor[] inputs, Attributes attributes, TensorSpec output)
        {
            var dims = attributes.Ints("dims");
            var t = inputs[0];
            var shape = new int[dims.Length];
            var strides = new int[dims.Length];
            for (int i = 0; i < dims.Length; i++)
            {
                shape[i] = t.Shape.Dims[dims[i]];
                strides[i] = t.StridesInternal[dims[i]];
            }
            return t.ViewOf(shape, strides, t.Offset);
        }

        public override Tensor?[] Backward(GradContext c)
        {
            var dims = c.Attributes.Ints("dims");
            var inverse = new int[dims.Length];
            for (int i = 0; i < dims.Length; i++) inverse[dims[i]] = i;
            return [c.GradOutput.Permute(inverse)];
        }
    }

    private static (int Dim, int Start, int End, int Step) SliceArgs(Attributes a) =>
        (a.Int("dim"), a.Int("start"), a.Int("end"), a.Int("step"));

    private static Attributes SliceAttributes(Attributes a) =>
        Attributes.Of(("dim", a.Int("dim")), ("start", a.Int("start")), ("end", a.Int("end")), ("step", a.Int("step")));

    internal static int SliceLength(int start, int end, int step) => end <= start ? 0 : (end - start + step - 1) / step;

    /// <summary>
    /// The window of <paramref name="x"/> from <paramref name="start"/> by <paramref name="step"/> along
    /// <paramref name="dim"/>, of shape <paramref name="shape"/> (no recording, any device).
    /// </summary>
    internal static Tensor SliceView(Tensor x, int dim, int start, int step, int[] shape)
    {
        var strides = x.Strides;
        int offset = x.Offset + start * strides[dim];
        strides[dim] *= step;
        if (ShapeUtil.Numel(shape) == 0) offset = x.Offset;
        return x.ViewOf(shape, strides, offset);
    }

    private sealed class SlicePrimitive : ViewPrimitive
    {
        public SlicePrimitive() : base("slice") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => SliceSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            var (dim, start, end, step) = SliceArgs(attributes);
            if (dim < 0 || dim >= x.Shape.Rank)
                throw OpErrors.Argument("slice", $"dim {dim} out of range for shape {x.Shape}.");
            if (step <= 0) throw OpErrors.Argument("slice", $"step must be positive, got {step}.");
            int size = x.Shape.Dims[dim];
            if (start < 0 || start > size || end < start || end > size)
                throw OpErrors.Argument("slice", $"window [{start}, {end}) out of range for dimension {dim} of size {size} (shape {x.Shape}).");
            var shape = x.Shape.ToArray();
            shape[dim] = SliceLength(start, end, step);
            return x with { Shape = Shape.Wrap(shape) };
        }

        public override Tensor View(Tensor[] inputs, Attributes attributes, TensorSpec output)
        {
            var (dim, start, _, step) = SliceArgs(attributes);
            return SliceView(inputs[0], dim, start, step, output.Shape.ToArray());
        }

        public override Tensor?[] Backward(GradContext c) =>
        [
            SliceBackward.Invoke(Attributes.Of(("shape", c.Inputs[0].Shape.ToArray()), ("dim", c.Attributes.Int("dim")),
                ("start", c.Attributes.Int("start")), ("end", c.Attributes.Int("end")), ("step", c.Attributes.Int("step"))), c.GradOutput),
        ];
    }

    private sealed class SliceBackwardPrimitive : Primitive
    {
        public SliceBackwardPrimitive() : base("slice_backward") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["grad_output"];

        public override AttributeSchema? Schema => SliceBackwardSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes) =>
            inputs[0] with { Shape = Shape.Wrap(attributes.Ints("shape")) };

        public override Tensor?[] Backward(GradContext c) => [Slice.Invoke(SliceAttributes(c.Attributes), c.GradOutput)];
    }

    private sealed class ExpandPrimitive : ViewPrimitive
    {
        public ExpandPrimitive() : base("expand") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => ShapeSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            var shape = attributes.Ints("shape");
            if (!ShapeUtil.CanBroadcastTo(x.Shape.Dims, shape))
                throw OpErrors.Argument(
                    "expand", $"the expanded size {ShapeUtil.Format(shape)} must match the existing size {x.Shape} at each non-singleton dimension.");
            return x with { Shape = Shape.Wrap(shape) };
        }

        public override Tensor View(Tensor[] inputs, Attributes attributes, TensorSpec output)
        {
            var t = inputs[0];
            var shape = output.Shape.ToArray();
            return t.ViewOf(shape, ShapeUtil.BroadcastStrides(t.Shape.Dims, t.StridesInternal, shape), t.Offset);
        }

        public override Tensor?[] Backward(GradContext c) => [GradHelpers.SumToShape(c.GradOutput, c.Inputs[0].Shape)];
    }

    private sealed class CopyPrimitive : Primitive
    {
        public CopyPrimitive() : base("contiguous") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => AttributeSchema.None;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes) => inputs[0];

        public override Tensor?[] Backward(GradContext c) => [c.GradOutput];
    }
}
