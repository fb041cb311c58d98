using Avalon.Backends.Cpu;
using System.Numerics;
using Avalon.Backends.Cpu.Pooling;

namespace Avalon.Primitives.Pooling;

/// <summary>
/// Max, average and adaptive pooling over 1 to 3 spatial dims of [N, C, *spatial] input, with their
/// backward passes as primitives so that every rule is differentiable again.
/// </summary>
/// <remarks>
/// Max pooling's rule takes the argmax positions (<c>max_pool_indices(x, y)</c>, not differentiable: the
/// positions the forward kernel kept for its output y, see <see cref="SavedPoolIndices"/>, else a new search)
/// and scatters the gradient there (<c>max_pool_backward</c>); the scatter is linear in the gradient and its
/// rule gathers at the same positions (<c>max_pool_gather</c>), whose rule is the scatter again. The
/// average poolings are linear maps whose backward primitives have the forward as their rule.
/// </remarks>
[PrimitiveSet]
internal static class PoolingPrimitives
{
    /// <summary>max_pool(x; kernel_size, stride, padding, dilation, ceil_mode) → the window maxima.</summary>
    public static readonly Primitive MaxPool = new MaxPoolPrimitive();

    /// <summary>
    /// max_pool_indices(x[, y]; as max_pool) → int64 flat positions of the maxima inside each input plane.
    /// Given y, the output of max_pool on x, it returns the positions that forward kept when it did.
    /// </summary>
    public static readonly Primitive MaxPoolIndices = new MaxPoolIndicesPrimitive("max_pool_indices", adaptive: false);

    /// <summary>adaptive_max_pool(x; output_size) → the bin maxima.</summary>
    public static readonly Primitive AdaptiveMaxPool = new AdaptiveMaxPoolPrimitive();

    /// <summary>adaptive_max_pool_indices(x[, y]; output_size) → int64 flat positions of the bin maxima (y: as max_pool_indices).</summary>
    public static readonly Primitive AdaptiveMaxPoolIndices = new MaxPoolIndicesPrimitive("adaptive_max_pool_indices", adaptive: true);

    /// <summary>max_pool_backward(gy, indices; input_size) → gx: gy added at the positions the indices name.</summary>
    public static readonly Primitive MaxPoolBackward = new MaxPoolBackwardPrimitive();

    /// <summary>max_pool_gather(x, indices) → x at the positions the indices name (shape of indices).</summary>
    public static readonly Primitive MaxPoolGather = new MaxPoolGatherPrimitive();

    /// <summary>avg_pool(x; kernel_size, stride, padding, ceil_mode, count_include_pad[, divisor_override]).</summary>
    public static readonly Primitive AvgPool = new AvgPoolPrimitive();

    /// <summary>avg_pool_backward(gy; avg_pool's attributes, input_size) → gx.</summary>
    public static readonly Primitive AvgPoolBackward = new AvgPoolBackwardPrimitive();

    /// <summary>adaptive_avg_pool(x; output_size) → the bin means.</summary>
    public static readonly Primitive AdaptiveAvgPool = new AdaptiveAvgPoolPrimitive();

    /// <summary>adaptive_avg_pool_backward(gy; input_size) → gx: each gradient spread evenly over its bin.</summary>
    public static readonly Primitive AdaptiveAvgPoolBackward = new AdaptiveAvgPoolBackwardPrimitive();

    // Every pooling kernel writes its whole output: forwards write each window's result (a max-pool
    // window always holds an input element), backwards clear the gradient before scattering into it.
    private static Tensor Allocate(TensorSpec spec) => Tensor.Uninitialized(spec.Shape.ToArray(), spec.DType, spec.Device);

    private static void RequireFloat(string op, TensorSpec x)
    {
        if (!x.DType.IsFloatingPoint())
            throw new ArgumentException($"{op}: expected a floating-point input (float32 or float64), got {x}.");
    }

    private static void RequireIndices(string op, TensorSpec indices)
    {
        if (indices.DType != DType.Int64)
            throw new ArgumentException($"{op}: expected int64 indices, got {indices}.");
    }

    private static int[] Spatial(Tensor t) => t.Shape.ToArray()[2..];

    /// <summary>
    /// Runs <paramref name="body"/> for float32 or float64 (the only dtypes the shape rules let through):
    /// the kernels are generic over the element type.
    /// </summary>
    private static void Dispatch(DType dtype, IPoolBody body)
    {
        if (dtype == DType.Float32) body.Run<float>();
        else body.Run<double>();
    }

    private interface IPoolBody
    {
        void Run<T>() where T : unmanaged, IFloatingPointIeee754<T>;
    }

    private sealed class MaxPoolPrimitive : Primitive
    {
        public MaxPoolPrimitive() : base("max_pool") => RegisterReturningKernel(DeviceType.Cpu, Kernel);

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            RequireFloat("max_pool", inputs[0]);
            return inputs[0] with { Shape = PoolAttributes.OutputShape(PoolAttributes.Max(inputs[0].Shape, attributes)) };
        }

        private static Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec)
        {
            var x = inputs[0].ContiguousNoGrad();
            var y = Allocate(spec);
            // When the call may be differentiated, the argmax positions come out of the same pass and are
            // kept for the rule.
            var indices = SavedPoolIndices.Wanted(inputs[0]) ? Allocate(spec with { DType = DType.Int64 }) : null;
            Dispatch(spec.DType, new Body(PoolAttributes.Max(x.Shape, a), x, y, indices));
            if (indices is not null) SavedPoolIndices.Save(y, inputs[0], a, indices);
            return y;
        }

        private sealed class Body(PoolGeometry g, Tensor x, Tensor y, Tensor? indices) : IPoolBody
        {
            public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Backends.Cpu.Pooling.MaxPool.Forward(g, x.ContiguousSpan<T>(), y.ContiguousSpan<T>(),
                    indices is null ? Span<long>.Empty : indices.ContiguousSpan<long>());
        }

        public override Tensor?[] Backward(GradContext c)
        {
            var indices = MaxPoolIndices.Invoke(c.Attributes, c.Inputs[0], c.Output);
            return [MaxPoolBackward.Invoke(Attributes.Of(("input_size", Spatial(c.Inputs[0]))), c.GradOutput, indices)];
        }
    }

    private sealed class AdaptiveMaxPoolPrimitive : Primitive
    {
        public AdaptiveMaxPoolPrimitive() : base("adaptive_max_pool") => RegisterReturningKernel(DeviceType.Cpu, Kernel);

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            RequireFloat("adaptive_max_pool", inputs[0]);
            return inputs[0] with { Shape = PoolAttributes.OutputShape(PoolAttributes.AdaptiveMax(inputs[0].Shape, attributes)) };
        }

        private static Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec)
        {
            var x = inputs[0].ContiguousNoGrad();
            var y = Allocate(spec);
            // The kernel finds the positions anyway; they are kept for the rule when it may run.
            var indices = Allocate(spec with { DType = DType.Int64 });
            Dispatch(spec.DType, new Body(PoolAttributes.AdaptiveMax(x.Shape, a), x, y, indices));
            if (SavedPoolIndices.Wanted(inputs[0])) SavedPoolIndices.Save(y, inputs[0], a, indices);
            return y;
        }

        private sealed class Body(AdaptivePoolGeometry g, Tensor x, Tensor y, Tensor indices) : IPoolBody
        {
            public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Backends.Cpu.Pooling.AdaptiveMaxPool.Forward(g, x.ContiguousSpan<T>(), y.ContiguousSpan<T>(), indices.ContiguousSpan<long>());
        }

        public override Tensor?[] Backward(GradContext c)
        {
            var indices = AdaptiveMaxPoolIndices.Invoke(c.Attributes, c.Inputs[0], c.Output);
            return [MaxPoolBackward.Invoke(Attributes.Of(("input_size", Spatial(c.Inputs[0]))), c.GradOutput, indices)];
        }
    }

    private sealed class MaxPoolIndicesPrimitive : Primitive
    {
        private readonly bool _adaptive;

        public MaxPoolIndicesPrimitive(string name, bool adaptive) : base(name)
        {
            _adaptive = adaptive;
            RegisterReturningKernel(DeviceType.Cpu, Kernel);
        }

        public override bool IsDifferentiable => false;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            if (inputs.Length is < 1 or > 2)
                throw new ArgumentException($"{Name}: expected the pooled input and optionally the forward's output, got {inputs.Length} tensors.");
            RequireFloat(Name, inputs[0]);
            var shape = _adaptive
                ? PoolAttributes.OutputShape(PoolAttributes.AdaptiveMax(inputs[0].Shape, attributes))
                : PoolAttributes.OutputShape(PoolAttributes.Max(inputs[0].Shape, attributes));
            if (inputs.Length == 2 && (inputs[1].Shape != Shape.Wrap(shape) || inputs[1].DType != inputs[0].DType))
                throw new ArgumentException(
                    $"{Name}: expected the forward's output as {inputs[0].DType.Name()}{ShapeUtil.Format(shape)} for input {inputs[0]}, got {inputs[1]}.");
            return inputs[0] with { Shape = shape, DType = DType.Int64 };
        }

        private Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec)
        {
            // Given the forward's output (the max pooling rule passes it), the positions its kernel kept.
            if (inputs.Length == 2 && SavedPoolIndices.Take(inputs[1], inputs[0], a) is { } saved) return saved;
            var x = inputs[0].ContiguousNoGrad();
            var indices = Allocate(spec);
            Dispatch(x.DType, _adaptive
                ? new AdaptiveBody(PoolAttributes.AdaptiveMax(x.Shape, a), x, indices)
                : new Body(PoolAttributes.Max(x.Shape, a), x, indices));
            return indices;
        }

        private sealed class Body(PoolGeometry g, Tensor x, Tensor indices) : IPoolBody
        {
            public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Backends.Cpu.Pooling.MaxPool.Forward(g, x.ContiguousSpan<T>(), Span<T>.Empty, indices.ContiguousSpan<long>());
        }

        private sealed class AdaptiveBody(AdaptivePoolGeometry g, Tensor x, Tensor indices) : IPoolBody
        {
            public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Backends.Cpu.Pooling.AdaptiveMaxPool.Forward(g, x.ContiguousSpan<T>(), new T[indices.Numel], indices.ContiguousSpan<long>());
        }
    }

    private sealed class MaxPoolBackwardPrimitive : Primitive
    {
        public MaxPoolBackwardPrimitive() : base("max_pool_backward") => RegisterReturningKernel(DeviceType.Cpu, Kernel);

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var (gy, indices) = (inputs[0], inputs[1]);
            RequireFloat(Name, gy);
            RequireIndices(Name, indices);
            var size = attributes.Ints("input_size");
            if (gy.Shape != indices.Shape || gy.Shape.Rank != size.Length + 2)
                throw new ArgumentException(
                    $"{Name}: expected grad_output and indices of the same shape [N, C, *spatial] with {size.Length} spatial dims (input_size {ShapeUtil.Format(size)}), got {gy} and {indices}.");
            return gy with { Shape = Shape.Wrap([gy.Shape[0], gy.Shape[1], .. size]) };
        }

        private static Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec)
        {
            var gy = inputs[0].ContiguousNoGrad();
            var indices = inputs[1].ContiguousNoGrad();
            var gx = Allocate(spec);
            int planes = gy.Shape[0] * gy.Shape[1];
            int inPlane = ShapeUtil.Numel(a.Ints("input_size")), outPlane = planes == 0 ? 0 : gy.Numel / planes;
            if (spec.DType == DType.Float32)
                PoolIndexScatter.Run("max_pool_backward", planes, inPlane, outPlane, gy.ContiguousSpan<float>(), indices.ContiguousSpan<long>(), gx.ContiguousSpan<float>());
            else
                PoolIndexScatter.Run("max_pool_backward", planes, inPlane, outPlane, gy.ContiguousSpan<double>(), indices.ContiguousSpan<long>(), gx.ContiguousSpan<double>());
            return gx;
        }

        public override Tensor?[] Backward(GradContext c) => [MaxPoolGather.Invoke(Attributes.Empty, c.GradOutput, c.Inputs[1]), null];
    }

    private sealed class MaxPoolGatherPrimitive : Primitive
    {
        public MaxPoolGatherPrimitive() : base("max_pool_gather") => RegisterReturningKernel(DeviceType.Cpu, Kernel);

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var (x, indices) = (inputs[0], inputs[1]);
            RequireFloat(Name, x);
            RequireIndices(Name, indices);
            if (x.Shape.Rank < 3 || indices.Shape.Rank != x.Shape.Rank || x.Shape[0] != indices.Shape[0] || x.Shape[1] != indices.Shape[1])
                throw new ArgumentException(
                    $"{Name}: expected input [N, C, *spatial] and indices [N, C, *out] of the same rank, N and C, got {x} and {indices}.");
            return x with { Shape = indices.Shape };
        }

        private static Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec)
        {
            var x = inputs[0].ContiguousNoGrad();
            var indices = inputs[1].ContiguousNoGrad();
            var y = Allocate(spec);
            int planes = x.Shape[0] * x.Shape[1];
            int inPlane = planes == 0 ? 0 : x.Numel / planes, outPlane = planes == 0 ? 0 : y.Numel / planes;
            if (spec.DType == DType.Float32)
                PoolIndexGather.Run("max_pool_gather", planes, inPlane, outPlane, x.ContiguousSpan<float>(), indices.ContiguousSpan<long>(), y.ContiguousSpan<float>());
            else
                PoolIndexGather.Run("max_pool_gather", planes, inPlane, outPlane, x.ContiguousSpan<double>(), indices.ContiguousSpan<long>(), y.ContiguousSpan<double>());
            return y;
        }

        public override Tensor?[] Backward(GradContext c) =>
            [MaxPoolBackward.Invoke(Attributes.Of(("input_size", Spatial(c.Inputs[0]))), c.GradOutput, c.Inputs[1]), null];
    }

    private sealed class AvgPoolPrimitive : Primitive
    {
        public AvgPoolPrimitive() : base("avg_pool") => RegisterReturningKernel(DeviceType.Cpu, Kernel);

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            RequireFloat("avg_pool", inputs[0]);
            RequireDivisor(attributes);
            return inputs[0] with { Shape = PoolAttributes.OutputShape(PoolAttributes.Average(inputs[0].Shape, attributes)) };
        }

        private static Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec)
        {
            var x = inputs[0].ContiguousNoGrad();
            var y = Allocate(spec);
            Dispatch(spec.DType, new Body(PoolAttributes.Average(x.Shape, a), a.Bool("count_include_pad"), PoolAttributes.Divisor(a), x, y));
            return y;
        }

        private sealed class Body(PoolGeometry g, bool includePad, int? divisor, Tensor x, Tensor y) : IPoolBody
        {
            public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Backends.Cpu.Pooling.AvgPool.Forward(g, includePad, divisor, x.ContiguousSpan<T>(), y.ContiguousSpan<T>());
        }

        public override Tensor?[] Backward(GradContext c) =>
            [AvgPoolBackward.Invoke(WithInputSize(c.Attributes, Spatial(c.Inputs[0])), c.GradOutput)];
    }

    private static void RequireDivisor(Attributes a)
    {
        if (a.Has("divisor_override") && a.Int("divisor_override") == 0)
            throw new ArgumentException("avg_pool: divisor_override must be non-zero (omit it to divide by the window size).");
    }

    private static Attributes WithInputSize(Attributes a, int[] size) =>
        Attributes.Of([.. a.Items.Select(kv => (kv.Key, kv.Value)), ("input_size", size)]);

    private static Attributes WithoutInputSize(Attributes a) =>
        Attributes.Of([.. a.Items.Where(kv => kv.Key != "input_size").Select(kv => (kv.Key, kv.Value))]);

    private sealed class AvgPoolBackwardPrimitive : Primitive
    {
        public AvgPoolBackwardPrimitive() : base("avg_pool_backward") => RegisterReturningKernel(DeviceType.Cpu, Kernel);

        private static PoolGeometry Geometry(TensorSpec gy, Attributes a)
        {
            var size = a.Ints("input_size");
            if (gy.Shape.Rank != size.Length + 2)
                throw new ArgumentException($"avg_pool_backward: expected grad_output [N, C, *spatial] with {size.Length} spatial dims, got {gy}.");
            var g = PoolAttributes.Average(Shape.Wrap([gy.Shape[0], gy.Shape[1], .. size]), a);
            if (gy.Shape != Shape.Wrap(PoolAttributes.OutputShape(g)))
                throw new ArgumentException($"avg_pool_backward: expected grad_output of shape {ShapeUtil.Format(PoolAttributes.OutputShape(g))} for input_size {ShapeUtil.Format(size)}, got {gy}.");
            return g;
        }

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            RequireFloat(Name, inputs[0]);
            RequireDivisor(attributes);
            var g = Geometry(inputs[0], attributes);
            return inputs[0] with { Shape = PoolAttributes.Shape(g.Batch, g.Channels, g.InputDepth, g.InputHeight, g.InputWidth, g.SpatialRank) };
        }

        private static Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec)
        {
            var gy = inputs[0].ContiguousNoGrad();
            var gx = Allocate(spec);
            Dispatch(spec.DType, new Body(Geometry(gy.Spec, a), a.Bool("count_include_pad"), PoolAttributes.Divisor(a), gy, gx));
            return gx;
        }

        private sealed class Body(PoolGeometry g, bool includePad, int? divisor, Tensor gy, Tensor gx) : IPoolBody
        {
            public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Backends.Cpu.Pooling.AvgPool.Backward(g, includePad, divisor, gy.ContiguousSpan<T>(), gx.ContiguousSpan<T>());
        }

        public override Tensor?[] Backward(GradContext c) => [AvgPool.Invoke(WithoutInputSize(c.Attributes), c.GradOutput)];
    }

    private sealed class AdaptiveAvgPoolPrimitive : Primitive
    {
        public AdaptiveAvgPoolPrimitive() : base("adaptive_avg_pool") => RegisterReturningKernel(DeviceType.Cpu, Kernel);

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            RequireFloat("adaptive_avg_pool", inputs[0]);
            return inputs[0] with { Shape = PoolAttributes.OutputShape(PoolAttributes.AdaptiveAverage(inputs[0].Shape, attributes)) };
        }

        private static Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec)
        {
            var x = inputs[0].ContiguousNoGrad();
            var y = Allocate(spec);
            Dispatch(spec.DType, new Body(PoolAttributes.AdaptiveAverage(x.Shape, a), x, y));
            return y;
        }

        private sealed class Body(AdaptivePoolGeometry g, Tensor x, Tensor y) : IPoolBody
        {
            public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Backends.Cpu.Pooling.AdaptiveAvgPool.Forward(g, x.ContiguousSpan<T>(), y.ContiguousSpan<T>());
        }

        public override Tensor?[] Backward(GradContext c) =>
            [AdaptiveAvgPoolBackward.Invoke(Attributes.Of(("input_size", Spatial(c.Inputs[0]))), c.GradOutput)];
    }

    private sealed class AdaptiveAvgPoolBackwardPrimitive : Primitive
    {
        public AdaptiveAvgPoolBackwardPrimitive() : base("adaptive_avg_pool_backward") => RegisterReturningKernel(DeviceType.Cpu, Kernel);

        private static AdaptivePoolGeometry Geometry(TensorSpec gy, Attributes a)
        {
            var size = a.Ints("input_size");
            if (gy.Shape.Rank != size.Length + 2)
                throw new ArgumentException($"adaptive_avg_pool_backward: expected grad_output [N, C, *spatial] with {size.Length} spatial dims, got {gy}.");
            return AdaptivePoolGeometry.CreateAverage(gy.Shape[0], gy.Shape[1], size, gy.Shape.AsSpan()[2..]);
        }

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            RequireFloat(Name, inputs[0]);
            var g = Geometry(inputs[0], attributes);
            return inputs[0] with { Shape = PoolAttributes.Shape(g.Batch, g.Channels, g.InputDepth, g.InputHeight, g.InputWidth, g.SpatialRank) };
        }

        private static Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec)
        {
            var gy = inputs[0].ContiguousNoGrad();
            var gx = Allocate(spec);
            Dispatch(spec.DType, new Body(Geometry(gy.Spec, a), gy, gx));
            return gx;
        }

        private sealed class Body(AdaptivePoolGeometry g, Tensor gy, Tensor gx) : IPoolBody
        {
            public void Run<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
                Backends.Cpu.Pooling.AdaptiveAvgPool.Backward(g, gy.ContiguousSpan<T>(), gx.ContiguousSpan<T>());
        }

        public override Tensor?[] Backward(GradContext c) =>
            [AdaptiveAvgPool.Invoke(Attributes.Of(("output_size", Spatial(c.Inputs[0]))), c.GradOutput)];
    }
}
