using Avalon.Autodiff;

namespace Avalon.Primitives.Pooling;

/// <summary>
/// Max, average and adaptive pooling over 1 to 3 spatial dims of [N, C, *spatial] input, with their
/// backward passes as primitives so that every rule is differentiable again.
/// </summary>
/// <remarks>
/// Max pooling is a call with two outputs, <c>%y, %i = max_pool_with_indices(x)</c>: the window maxima
/// and their int64 flat positions inside each input plane, found in one pass. Its rule scatters the
/// values' gradient at those positions (<c>max_pool_backward</c>); the indices carry no gradient. The
/// scatter is linear in the gradient and its rule gathers at the same positions (<c>max_pool_gather</c>),
/// whose rule is the scatter again. <c>max_pool</c> computes the values alone, for calls nothing will
/// differentiate; its rule finds the positions with max_pool_with_indices. The average poolings are
/// linear maps whose backward primitives have the forward as their rule.
/// </remarks>
[PrimitiveSet]
internal static class PoolingPrimitives
{
    // Declared before the primitives, which the static initialiser creates in textual order.
    private static readonly AttributeSpec[] s_maxSpecs =
    [
        AttributeSpec.Required("kernel_size", AttributeType.Ints),
        AttributeSpec.Required("stride", AttributeType.Ints),
        AttributeSpec.Required("padding", AttributeType.Ints),
        AttributeSpec.Required("dilation", AttributeType.Ints),
        AttributeSpec.WithDefault("ceil_mode", AttributeType.Bool, false),
    ];

    private static readonly AttributeSpec[] s_avgSpecs =
    [
        AttributeSpec.Required("kernel_size", AttributeType.Ints),
        AttributeSpec.Required("stride", AttributeType.Ints),
        AttributeSpec.Required("padding", AttributeType.Ints),
        AttributeSpec.WithDefault("ceil_mode", AttributeType.Bool, false),
        AttributeSpec.WithDefault("count_include_pad", AttributeType.Bool, true),
        AttributeSpec.OptionalOf("divisor_override", AttributeType.Int),
    ];

    private static readonly AttributeSchema s_max = AttributeSchema.Of(s_maxSpecs);
    private static readonly AttributeSchema s_avg = AttributeSchema.Of(s_avgSpecs);
    private static readonly AttributeSchema s_avgBackward = AttributeSchema.Of([.. s_avgSpecs, AttributeSpec.Required("input_size", AttributeType.Ints)]);
    private static readonly AttributeSchema s_outputSize = AttributeSchema.Of(AttributeSpec.Required("output_size", AttributeType.Ints));
    private static readonly AttributeSchema s_inputSize = AttributeSchema.Of(AttributeSpec.Required("input_size", AttributeType.Ints));

    /// <summary>max_pool(x; kernel_size, stride, padding, dilation, ceil_mode) → the window maxima alone.</summary>
    public static readonly Primitive MaxPool = new MaxPoolPrimitive();

    /// <summary>
    /// max_pool_with_indices(x; as max_pool) → (the window maxima, their int64 flat positions inside each
    /// input plane), both [N, C, *out].
    /// </summary>
    public static readonly Primitive MaxPoolWithIndices = new MaxPoolWithIndicesPrimitive("max_pool_with_indices", adaptive: false);

    /// <summary>adaptive_max_pool_with_indices(x; output_size) → (the bin maxima, their int64 flat positions).</summary>
    public static readonly Primitive AdaptiveMaxPoolWithIndices = new MaxPoolWithIndicesPrimitive("adaptive_max_pool_with_indices", adaptive: true);

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

    /// <summary>
    /// Whether a pooling of <paramref name="input"/> may be differentiated: it requires a gradient under
    /// grad mode, or a tape is recording. Only then are max pooling's positions worth producing.
    /// </summary>
    public static bool MayBeDifferentiated(Tensor input) =>
        (GradMode.IsEnabled && input.RequiresGrad) || Recorder.ActiveTapes.Count > 0;

    private static void RequireFloat(string op, TensorSpec x)
    {
        if (!x.DType.IsFloatingPoint())
            throw OpErrors.Argument(op, $"expected a floating-point input (float32 or float64), got {x}.");
    }

    private static void RequireIndices(string op, TensorSpec indices)
    {
        if (indices.DType != DType.Int64)
            throw OpErrors.Argument(op, $"expected int64 indices, got {indices}.");
    }

    private static int[] Spatial(Tensor t) => t.Shape.ToArray()[2..];

    private sealed class MaxPoolPrimitive : Primitive
    {
        public MaxPoolPrimitive() : base("max_pool") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema Schema => s_max;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            RequireFloat("max_pool", inputs[0]);
            return inputs[0] with { Shape = PoolAttributes.OutputShape(PoolAttributes.Max(inputs[0].Shape, attributes)) };
        }

        // The positions of the maxima are found again (the values-only call did not keep them).
        public override Tensor?[] Backward(GradContext c)
        {
            var indices = MaxPoolWithIndices.InvokeMany(c.Attributes, c.Inputs[0])[1];
            return [MaxPoolBackward.Invoke(Attributes.Of(("input_size", Spatial(c.Inputs[0]))), c.GradOutput, indices)];
        }
    }

    private sealed class MaxPoolWithIndicesPrimitive : Primitive
    {
        private readonly bool _adaptive;

        public MaxPoolWithIndicesPrimitive(string name, bool adaptive) : base(name) => _adaptive = adaptive;

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override int OutputCount => 2;

        public override AttributeSchema Schema => _adaptive ? s_outputSize : s_max;

        public override TensorSpec[] InferSpecs(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            RequireFloat(_adaptive ? "adaptive_max_pool" : "max_pool", x);
            var shape = Shape.Wrap(_adaptive
                ? PoolAttributes.OutputShape(PoolAttributes.AdaptiveMax(x.Shape, attributes))
                : PoolAttributes.OutputShape(PoolAttributes.Max(x.Shape, attributes)));
            return [x with { Shape = shape }, x with { Shape = shape, DType = DType.Int64 }];
        }

        // Only the values carry a gradient: it goes back to the positions the call found (output 1).
        public override Tensor?[] Backward(GradContext c) =>
            [MaxPoolBackward.Invoke(Attributes.Of(("input_size", Spatial(c.Inputs[0]))), c.GradOutputOrZeros(0), c.Outputs[1])];
    }

    private sealed class MaxPoolBackwardPrimitive : Primitive
    {
        public MaxPoolBackwardPrimitive() : base("max_pool_backward") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["grad_output", "indices"];

        public override AttributeSchema Schema => s_inputSize;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var (gy, indices) = (inputs[0], inputs[1]);
            RequireFloat(Name, gy);
            RequireIndices(Name, indices);
            var size = attributes.Ints("input_size");
            if (gy.Shape != indices.Shape || gy.Shape.Rank != size.Length + 2)
                throw OpErrors.Argument(
                    Name, $"expected grad_output and indices of the same shape [N, C, *spatial] with {size.Length} spatial dims (input_size {ShapeUtil.Format(size)}), got {gy} and {indices}.");
            return gy with { Shape = Shape.Wrap([gy.Shape[0], gy.Shape[1], .. size]) };
        }

        public override Tensor?[] Backward(GradContext c) => [MaxPoolGather.Invoke(Attributes.Empty, c.GradOutput, c.Inputs[1]), null];
    }

    private sealed class MaxPoolGatherPrimitive : Primitive
    {
        public MaxPoolGatherPrimitive() : base("max_pool_gather") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input", "indices"];

        public override AttributeSchema Schema => AttributeSchema.None;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var (x, indices) = (inputs[0], inputs[1]);
            RequireFloat(Name, x);
            RequireIndices(Name, indices);
            if (x.Shape.Rank < 3 || indices.Shape.Rank != x.Shape.Rank || x.Shape[0] != indices.Shape[0] || x.Shape[1] != indices.Shape[1])
                throw OpErrors.Argument(
                    Name, $"expected input [N, C, *spatial] and indices [N, C, *out] of the same rank, N and C, got {x} and {indices}.");
            return x with { Shape = indices.Shape };
        }

        public override Tensor?[] Backward(GradContext c) =>
            [MaxPoolBackward.Invoke(Attributes.Of(("input_size", Spatial(c.Inputs[0]))), c.GradOutput, c.Inputs[1]), null];
    }

    private sealed class AvgPoolPrimitive : Primitive
    {
        public AvgPoolPrimitive() : base("avg_pool") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema Schema => s_avg;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            RequireFloat("avg_pool", inputs[0]);
            RequireDivisor(attributes);
            return inputs[0] with { Shape = PoolAttributes.OutputShape(PoolAttributes.Average(inputs[0].Shape, attributes)) };
        }

        public override Tensor?[] Backward(GradContext c) =>
            [AvgPoolBackward.Invoke(WithInputSize(c.Attributes, Spatial(c.Inputs[0])), c.GradOutput)];
    }

    private static void RequireDivisor(Attributes a)
    {
        if (a.Has("divisor_override") && a.Int("divisor_override") == 0)
            throw OpErrors.Argument("avg_pool", "divisor_override must be non-zero (omit it to divide by the window size).");
    }

    private static Attributes WithInputSize(Attributes a, int[] size) =>
        Attributes.Of([.. a.Items.Select(kv => (kv.Key, kv.Value)), ("input_size", size)]);

    private static Attributes WithoutInputSize(Attributes a) =>
        Attributes.Of([.. a.Items.Where(kv => kv.Key != "input_size").Select(kv => (kv.Key, kv.Value))]);

    private sealed class AvgPoolBackwardPrimitive : Primitive
    {
        public AvgPoolBackwardPrimitive() : base("avg_pool_backward") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["grad_output"];

        public override AttributeSchema Schema => s_avgBackward;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            RequireFloat(Name, inputs[0]);
            RequireDivisor(attributes);
            var g = PoolAttributes.AverageBackward(inputs[0], attributes);
            return inputs[0] with { Shape = PoolAttributes.Shape(g.Batch, g.Channels, g.InputDepth, g.InputHeight, g.InputWidth, g.SpatialRank) };
        }

        public override Tensor?[] Backward(GradContext c) => [AvgPool.Invoke(WithoutInputSize(c.Attributes), c.GradOutput)];
    }

    private sealed class AdaptiveAvgPoolPrimitive : Primitive
    {
        public AdaptiveAvgPoolPrimitive() : base("adaptive_avg_pool") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema Schema => s_outputSize;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            RequireFloat("adaptive_avg_pool", inputs[0]);
            return inputs[0] with { Shape = PoolAttributes.OutputShape(PoolAttributes.AdaptiveAverage(inputs[0].Shape, attributes)) };
        }

        public override Tensor?[] Backward(GradContext c) =>
            [AdaptiveAvgPoolBackward.Invoke(Attributes.Of(("input_size", Spatial(c.Inputs[0]))), c.GradOutput)];
    }

    private sealed class AdaptiveAvgPoolBackwardPrimitive : Primitive
    {
        public AdaptiveAvgPoolBackwardPrimitive() : base("adaptive_avg_pool_backward") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["grad_output"];

        public override AttributeSchema Schema => s_inputSize;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            RequireFloat(Name, inputs[0]);
            var g = PoolAttributes.AdaptiveAverageBackward(inputs[0], attributes);
            return inputs[0] with { Shape = PoolAttributes.Shape(g.Batch, g.Channels, g.InputDepth, g.InputHeight, g.InputWidth, g.SpatialRank) };
        }

        public override Tensor?[] Backward(GradContext c) =>
            [AdaptiveAvgPool.Invoke(Attributes.Of(("output_size", Spatial(c.Inputs[0]))), c.GradOutput)];
    }
}
