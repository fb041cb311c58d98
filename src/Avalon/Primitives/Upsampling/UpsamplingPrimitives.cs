namespace Avalon.Primitives.Upsampling;

/// <summary>
/// Nearest-neighbour and (bi/tri)linear resizing of [N, C, *spatial] input (1 to 3 spatial dims), PyTorch's
/// upsample_nearest{1,2,3}d and upsample_{linear1d, bilinear2d, trilinear3d}. Attributes: <c>output_size</c>,
/// <c>scales</c> (the scale factor per dim, 0 when the size was given), and for linear <c>align_corners</c>;
/// the backward primitives add <c>input_size</c>. Both maps are linear, so each backward's rule is its forward.
/// </summary>
[PrimitiveSet]
internal static class UpsamplingPrimitives
{
    // Declared before the primitives, which the static initialiser creates in textual order.
    private static readonly AttributeSpec[] s_nearestSpecs =
    [
        AttributeSpec.Required("output_size", AttributeType.Ints),
        AttributeSpec.Required("scales", AttributeType.Doubles),
    ];

    private static readonly AttributeSpec[] s_linearSpecs =
        [.. s_nearestSpecs, AttributeSpec.WithDefault("align_corners", AttributeType.Bool, false)];

    private static readonly AttributeSpec s_inputSize = AttributeSpec.Required("input_size", AttributeType.Ints);
    private static readonly AttributeSchema s_nearest = AttributeSchema.Of(s_nearestSpecs);
    private static readonly AttributeSchema s_nearestBackward = AttributeSchema.Of([.. s_nearestSpecs, s_inputSize]);
    private static readonly AttributeSchema s_linear = AttributeSchema.Of(s_linearSpecs);
    private static readonly AttributeSchema s_linearBackward = AttributeSchema.Of([.. s_linearSpecs, s_inputSize]);

    /// <summary>upsample_nearest(x; output_size, scales).</summary>
    public static readonly Primitive Nearest = new UpsamplePrimitive("upsample_nearest", linear: false);

    /// <summary>upsample_nearest_backward(gy; output_size, scales, input_size).</summary>
    public static readonly Primitive NearestBackward = new UpsampleBackwardPrimitive("upsample_nearest_backward", linear: false);

    /// <summary>upsample_linear(x; output_size, scales, align_corners).</summary>
    public static readonly Primitive Linear = new UpsamplePrimitive("upsample_linear", linear: true);

    /// <summary>upsample_linear_backward(gy; output_size, scales, align_corners, input_size).</summary>
    public static readonly Primitive LinearBackward = new UpsampleBackwardPrimitive("upsample_linear_backward", linear: true);

    private static void Validate(string op, TensorSpec x, int[] inputSize, Attributes a)
    {
        if (!x.DType.IsFloatingPoint())
            throw OpErrors.Argument(op, $"expected a floating-point input (float32 or float64), got {x}.");
        var size = a.Ints("output_size");
        var scales = a.Get<double[]>("scales");
        if (size.Length is < 1 or > 3 || scales.Length != size.Length || inputSize.Length != size.Length || x.Shape.Rank != size.Length + 2)
            throw OpErrors.Argument(
                op, $"expected input [N, C, *spatial] with 1 to 3 spatial dims and one output size and scale per spatial dim, got {x}, output_size {ShapeUtil.Format(size)}, {scales.Length} scale(s).");
        for (int i = 0; i < size.Length; i++)
            if (size[i] < 1 || inputSize[i] < 1)
                throw OpErrors.Argument(
                    op, $"input and output sizes should be greater than 0, but got input (H: {ShapeUtil.Format(inputSize)}) output {ShapeUtil.Format(size)}.");
    }

    private static int[] Spatial(Shape s) => s.ToArray()[2..];

    private static Attributes WithInputSize(Attributes a, int[] size) =>
        Attributes.Of([.. a.Items.Select(kv => (kv.Key, kv.Value)), ("input_size", size)]);

    private static Attributes WithoutInputSize(Attributes a) =>
        Attributes.Of([.. a.Items.Where(kv => kv.Key != "input_size").Select(kv => (kv.Key, kv.Value))]);

    private sealed class UpsamplePrimitive : Primitive
    {
        private readonly bool _linear;

        public UpsamplePrimitive(string name, bool linear) : base(name) => _linear = linear;

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema Schema => _linear ? s_linear : s_nearest;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            Validate(Name, x, x.Shape.Rank >= 2 ? Spatial(x.Shape) : [], attributes);
            return x with { Shape = Shape.Wrap([x.Shape[0], x.Shape[1], .. attributes.Ints("output_size")]) };
        }

        public override Tensor?[] Backward(GradContext c) =>
            [(_linear ? LinearBackward : NearestBackward).Invoke(WithInputSize(c.Attributes, Spatial(c.Inputs[0].Shape)), c.GradOutput)];
    }

    private sealed class UpsampleBackwardPrimitive : Primitive
    {
        private readonly bool _linear;

        public UpsampleBackwardPrimitive(string name, bool linear) : base(name) => _linear = linear;

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["grad_output"];

        public override AttributeSchema Schema => _linear ? s_linearBackward : s_nearestBackward;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var gy = inputs[0];
            var inputSize = attributes.Ints("input_size");
            Validate(Name, gy, inputSize, attributes);
            if (!gy.Shape.AsSpan()[2..].SequenceEqual(attributes.Ints("output_size")))
                throw OpErrors.Argument(Name, $"expected grad_output with spatial sizes {ShapeUtil.Format(attributes.Ints("output_size"))}, got {gy}.");
            return gy with { Shape = Shape.Wrap([gy.Shape[0], gy.Shape[1], .. inputSize]) };
        }

        public override Tensor?[] Backward(GradContext c) =>
            [(_linear ? Linear : Nearest).Invoke(WithoutInputSize(c.Attributes), c.GradOutput)];
    }
}
