namespace Avalon.Primitives.Indexing;

/// <summary>
/// Padding of the trailing dims (attribute <c>pads</c> in PyTorch's order: last dim first, before then
/// after). constant_pad_nd's rule is itself with negated pads (which crops). The reflect, replicate
/// and circular pads copy input elements; their rule is a dedicated backward primitive that sums the
/// gradient of every copy onto its source, and that primitive's rule is the forward pad again.
/// </summary>
[PrimitiveSet]
internal static class PaddingPrimitives
{
    /// <summary>constant_pad_nd(x; pads, value).</summary>
    public static readonly Primitive ConstantPad = new ConstantPadPrimitive();

    /// <summary>reflection_pad(x; pads).</summary>
    public static readonly Primitive ReflectionPad = new IndexMapPadPrimitive("reflection_pad", PadIndexMode.Reflect);

    /// <summary>replication_pad(x; pads).</summary>
    public static readonly Primitive ReplicationPad = new IndexMapPadPrimitive("replication_pad", PadIndexMode.Replicate);

    /// <summary>circular_pad(x; pads).</summary>
    public static readonly Primitive CircularPad = new IndexMapPadPrimitive("circular_pad", PadIndexMode.Circular);

    /// <summary>reflection_pad_backward(g; pads, shape).</summary>
    public static readonly Primitive ReflectionPadBackward = new IndexMapPadBackwardPrimitive("reflection_pad_backward", PadIndexMode.Reflect);

    /// <summary>replication_pad_backward(g; pads, shape).</summary>
    public static readonly Primitive ReplicationPadBackward = new IndexMapPadBackwardPrimitive("replication_pad_backward", PadIndexMode.Replicate);

    /// <summary>circular_pad_backward(g; pads, shape).</summary>
    public static readonly Primitive CircularPadBackward = new IndexMapPadBackwardPrimitive("circular_pad_backward", PadIndexMode.Circular);

    private static readonly AttributeSchema ConstantPadSchema = AttributeSchema.Of(
        AttributeSpec.Required("pads", AttributeType.Ints),
        AttributeSpec.WithDefault("value", AttributeType.Double, 0.0));

    private static readonly AttributeSchema PadSchema = AttributeSchema.Of(AttributeSpec.Required("pads", AttributeType.Ints));

    private static readonly AttributeSchema PadBackwardSchema = AttributeSchema.Of(
        AttributeSpec.Required("pads", AttributeType.Ints),
        AttributeSpec.Required("shape", AttributeType.Ints));

    private static Primitive ForwardOf(PadIndexMode mode) => mode switch
    {
        PadIndexMode.Reflect => ReflectionPad,
        PadIndexMode.Replicate => ReplicationPad,
        _ => CircularPad,
    };

    private static Primitive BackwardOf(PadIndexMode mode) => mode switch
    {
        PadIndexMode.Reflect => ReflectionPadBackward,
        PadIndexMode.Replicate => ReplicationPadBackward,
        _ => CircularPadBackward,
    };

    /// <summary>The padded shape; checks the pad list against the input's rank (and, with <paramref name="mode"/>, its sizes).</summary>
    internal static int[] PaddedShape(string op, TensorSpec x, int[] pads, PadIndexMode? mode)
    {
        if (pads.Length % 2 != 0)
            throw OpErrors.Argument(op, $"the padding length must be divisible by 2, got {pads.Length} values [{string.Join(", ", pads)}].");
        if (pads.Length / 2 > x.Shape.Rank)
            throw OpErrors.Argument(
                op, $"padding [{string.Join(", ", pads)}] pads {pads.Length / 2} dims but the input {x} has only {x.Shape.Rank}.");
        var shape = x.Shape.ToArray();
        for (int p = 0; p < pads.Length / 2; p++)
        {
            int d = shape.Length - 1 - p, n = shape[d], before = pads[2 * p], after = pads[2 * p + 1];
            if (mode is { } m)
            {
                if (before < 0 || after < 0)
                    throw OpErrors.Argument(op, $"pads must be non-negative, got ({before}, {after}) for dimension {d} of the input {x}.");
                bool bad = m switch
                {
                    PadIndexMode.Reflect => before >= n || after >= n,
                    PadIndexMode.Replicate => n == 0 && before + after > 0,
                    _ => before > n || after > n || n == 0 && before + after > 0,
                };
                if (bad)
                    throw new ArgumentException(m switch
                    {
                        PadIndexMode.Reflect => $"{op}: padding size should be less than the corresponding input dimension, but got padding ({before}, {after}) at dimension {d} of size {n} (input {x}).",
                        PadIndexMode.Replicate => $"{op}: cannot replicate the edge of the empty dimension {d} (input {x}); padding ({before}, {after}).",
                        _ => $"{op}: padding ({before}, {after}) at dimension {d} of size {n} would wrap around more than once (input {x}); pads must not exceed the size.",
                    });
            }
            long size = (long)n + before + after;
            if (size < 0)
                throw OpErrors.Argument(
                    op, $"the input size {n} of dimension {d}, plus negative padding ({before}, {after}), gives a negative output size {size} (input {x}).");
            shape[d] = (int)size;
        }
        return shape;
    }

    private sealed class ConstantPadPrimitive : Primitive
    {
        public ConstantPadPrimitive() : base("constant_pad_nd") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => ConstantPadSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes) =>
            inputs[0] with { Shape = Shape.Wrap(PaddedShape("constant_pad_nd", inputs[0], attributes.Ints("pads"), null)) };

        public override Tensor?[] Backward(GradContext c)
        {
            var pads = c.Attributes.Ints("pads");
            var negated = new int[pads.Length];
            for (int i = 0; i < pads.Length; i++) negated[i] = -pads[i];
            return [ConstantPad.Invoke(Attributes.Of(("pads", negated), ("value", 0.0)), c.GradOutput)];
        }
    }

    private sealed class IndexMapPadPrimitive : Primitive
    {
        private readonly PadIndexMode _mode;

        public IndexMapPadPrimitive(string name, PadIndexMode mode) : base(name) => _mode = mode;

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => PadSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes) =>
            inputs[0] with { Shape = Shape.Wrap(PaddedShape(Name, inputs[0], attributes.Ints("pads"), _mode)) };

        public override Tensor?[] Backward(GradContext c) =>
        [
            BackwardOf(_mode).Invoke(Attributes.Of(("pads", c.Attributes.Ints("pads")), ("shape", c.Inputs[0].Shape.ToArray())), c.GradOutput),
        ];
    }

    private sealed class IndexMapPadBackwardPrimitive : Primitive
    {
        private readonly PadIndexMode _mode;

        public IndexMapPadBackwardPrimitive(string name, PadIndexMode mode) : base(name) => _mode = mode;

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["grad_output"];

        public override AttributeSchema? Schema => PadBackwardSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var g = inputs[0];
            var input = g with { Shape = Shape.Wrap(attributes.Ints("shape")) };
            var padded = PaddedShape(Name, input, attributes.Ints("pads"), _mode);
            if (!g.Shape.AsSpan().SequenceEqual(padded))
                throw OpErrors.Argument(Name, $"expected a gradient of the padded shape {ShapeUtil.Format(padded)}, got {g}.");
            if (g.DType == DType.Bool)
                throw OpErrors.Argument(Name, $"not defined for bool tensors (got {g}).");
            return input;
        }

        public override Tensor?[] Backward(GradContext c) =>
            [ForwardOf(_mode).Invoke(Attributes.Of(("pads", c.Attributes.Ints("pads"))), c.GradOutput)];
    }
}
