using Avalon.Backends;

namespace Avalon.Primitives.Views;

/// <summary>
/// Primitives that re-describe a tensor without computing: they return views sharing the input's storage
/// (reshape copies only when the layout makes a view impossible). Each rule maps the gradient back.
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

    private sealed class ReshapePrimitive : Primitive
    {
        public ReshapePrimitive() : base("reshape") => RegisterReturningKernel(DeviceType.Cpu, (x, a, s) => ReshapeKernel(x[0], s));

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            var shape = attributes.Ints("shape");
            if (ShapeUtil.Numel(shape) != x.Shape.Numel)
                throw new ArgumentException($"reshape: shape {ShapeUtil.Format(shape)} is invalid for input of size {x.Shape.Numel} (shape {x.Shape}).");
            return x with { Shape = Shape.Wrap(shape) };
        }

        public override Tensor?[] Backward(GradContext c) => [c.GradOutput.Reshape(c.Inputs[0].Shape.ToArray())];
    }

    /// <summary>A view when the strides allow it, otherwise a dense copy.</summary>
    internal static Tensor ReshapeKernel(Tensor x, TensorSpec spec)
    {
        var shape = spec.Shape.ToArray();
        var strides = ViewStrides(x.Shape.Dims, x.StridesInternal, shape);
        if (strides is not null) return x.ViewOf(shape, strides, x.Offset);
        var dense = x.ContiguousCopy();
        return dense.ViewOf(shape, ShapeUtil.ContiguousStrides(shape), 0);
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

    private sealed class PermutePrimitive : Primitive
    {
        public PermutePrimitive() : base("permute") => RegisterReturningKernel(DeviceType.Cpu, (x, a, s) =>
        {
            var dims = a.Ints("dims");
            var t = x[0];
            var shape = new int[dims.Length];
            var strides = new int[dims.Length];
            for (int i = 0; i < dims.Length; i++)
            {
                shape[i] = t.Shape.Dims[dims[i]];
                strides[i] = t.StridesInternal[dims[i]];
            }
            return t.ViewOf(shape, strides, t.Offset);
        });

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            var dims = attributes.Ints("dims");
            if (dims.Length != x.Shape.Rank)
                throw new ArgumentException($"permute: number of dims in the permutation ({dims.Length}) does not match the input's rank {x.Shape.Rank} (shape {x.Shape}).");
            var seen = new bool[dims.Length];
            var shape = new int[dims.Length];
            for (int i = 0; i < dims.Length; i++)
            {
                if (dims[i] < 0 || dims[i] >= dims.Length || seen[dims[i]])
                    throw new ArgumentException($"permute: [{string.Join(", ", dims)}] is not a permutation of the dims of a rank-{dims.Length} tensor.");
                seen[dims[i]] = true;
                shape[i] = x.Shape.Dims[dims[i]];
            }
            return x with { Shape = Shape.Wrap(shape) };
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

    internal static int SliceLength(int start, int end, int step) => end <= start ? 0 : (end - start + step - 1) / step;

    private sealed class SlicePrimitive : Primitive
    {
        public SlicePrimitive() : base("slice") => RegisterReturningKernel(DeviceType.Cpu, (x, a, s) =>
        {
            var (dim, start, _, step) = SliceArgs(a);
            var t = x[0];
            var strides = t.Strides;
            int offset = t.Offset + start * strides[dim];
            strides[dim] *= step;
            if (s.Shape.Numel == 0) offset = t.Offset;
            return t.ViewOf(s.Shape.ToArray(), strides, offset);
        });

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            var (dim, start, end, step) = SliceArgs(attributes);
            if (dim < 0 || dim >= x.Shape.Rank)
                throw new ArgumentException($"slice: dim {dim} out of range for shape {x.Shape}.");
            if (step <= 0) throw new ArgumentException($"slice: step must be positive, got {step}.");
            int size = x.Shape.Dims[dim];
            if (start < 0 || start > size || end < start || end > size)
                throw new ArgumentException($"slice: window [{start}, {end}) out of range for dimension {dim} of size {size} (shape {x.Shape}).");
            var shape = x.Shape.ToArray();
            shape[dim] = SliceLength(start, end, step);
            return x with { Shape = Shape.Wrap(shape) };
        }

        public override Tensor?[] Backward(GradContext c) =>
        [
            SliceBackward.Invoke(Attributes.Of(("shape", c.Inputs[0].Shape.ToArray()), ("dim", c.Attributes.Int("dim")),
                ("start", c.Attributes.Int("start")), ("end", c.Attributes.Int("end")), ("step", c.Attributes.Int("step"))), c.GradOutput),
        ];
    }

    private sealed class SliceBackwardPrimitive : Primitive
    {
        public SliceBackwardPrimitive() : base("slice_backward") => RegisterReturningKernel(DeviceType.Cpu, (x, a, s) =>
        {
            var result = Tensor.Empty(s.Shape.ToArray(), s.DType, s.Device);
            var window = Slice.Execute([result], Slice.ValidateAttributes(Attributes.Of(("dim", a.Int("dim")), ("start", a.Int("start")), ("end", a.Int("end")), ("step", a.Int("step")))),
                [x[0].Spec])[0];
            Backend.For(s.Device).Copy(x[0], window);
            return result;
        });

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes) =>
            inputs[0] with { Shape = Shape.Wrap(attributes.Ints("shape")) };

        public override Tensor?[] Backward(GradContext c) =>
        [
            Slice.Invoke(Attributes.Of(("dim", c.Attributes.Int("dim")), ("start", c.Attributes.Int("start")),
                ("end", c.Attributes.Int("end")), ("step", c.Attributes.Int("step"))), c.GradOutput),
        ];
    }

    private sealed class ExpandPrimitive : Primitive
    {
        public ExpandPrimitive() : base("expand") => RegisterReturningKernel(DeviceType.Cpu, (x, a, s) =>
        {
            var t = x[0];
            var shape = s.Shape.ToArray();
            return t.ViewOf(shape, ShapeUtil.BroadcastStrides(t.Shape.Dims, t.StridesInternal, shape), t.Offset);
        });

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            var shape = attributes.Ints("shape");
            if (!ShapeUtil.CanBroadcastTo(x.Shape.Dims, shape))
                throw new ArgumentException(
                    $"expand: the expanded size {ShapeUtil.Format(shape)} must match the existing size {x.Shape} at each non-singleton dimension.");
            return x with { Shape = Shape.Wrap(shape) };
        }

        public override Tensor?[] Backward(GradContext c) => [GradHelpers.SumToShape(c.GradOutput, c.Inputs[0].Shape)];
    }

    private sealed class CopyPrimitive : Primitive
    {
        public CopyPrimitive() : base("contiguous") => RegisterReturningKernel(DeviceType.Cpu, (x, a, s) => x[0].ContiguousCopy());

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes) => inputs[0];

        public override Tensor?[] Backward(GradContext c) => [c.GradOutput];
    }
}
