namespace Avalon.Primitives.Convolution;

/// <summary>
/// N-d convolution (1 to 3 spatial dims, PyTorch's conv1d/2d/3d cross-correlation) and transposed
/// convolution, with their input and weight gradients as primitives of their own so that every rule is
/// differentiable again. Attributes: <c>stride</c>, <c>padding</c>, <c>dilation</c> (one value per spatial
/// dim), <c>groups</c>; conv_transpose adds <c>output_padding</c>.
/// </summary>
/// <remarks>
/// The four primitives are the bilinear maps of one convolution and its adjoints:
/// conv(x, w) = y, conv_backward_input(gy, w) = Cᵀgy, conv_backward_weight(x, gy) = ∂⟨gy, conv(x, w)⟩/∂w,
/// and conv_transpose(x, w) = conv_backward_input(x, w) plus a bias. Each rule is written in the others.
/// </remarks>
[PrimitiveSet]
internal static class ConvolutionPrimitives
{
    // Declared before the primitives, which the static initialiser creates in textual order.
    private static readonly AttributeSpec[] s_common =
    [
        AttributeSpec.Required("stride", AttributeType.Ints),
        AttributeSpec.Required("padding", AttributeType.Ints),
        AttributeSpec.Required("dilation", AttributeType.Ints),
        AttributeSpec.WithDefault("groups", AttributeType.Int, 1),
    ];

    private static readonly AttributeSchema s_conv = AttributeSchema.Of(s_common);
    private static readonly AttributeSchema s_backwardInput = AttributeSchema.Of([.. s_common, AttributeSpec.Required("input_size", AttributeType.Ints)]);
    private static readonly AttributeSchema s_backwardWeight = AttributeSchema.Of([.. s_common, AttributeSpec.Required("kernel_size", AttributeType.Ints)]);
    private static readonly AttributeSchema s_transpose = AttributeSchema.Of([.. s_common, AttributeSpec.OptionalOf("output_padding", AttributeType.Ints)]);

    /// <summary>conv(x, w[, b]) → y [N, Cout, *out].</summary>
    public static readonly Primitive Conv = new ConvPrimitive();

    /// <summary>conv_backward_input(gy, w; input_size) → gx [N, Cin, *input_size]: the adjoint of conv in x.</summary>
    public static readonly Primitive ConvBackwardInput = new ConvBackwardInputPrimitive();

    /// <summary>conv_backward_weight(x, gy; kernel_size) → gw [Cout, Cin / groups, *kernel_size].</summary>
    public static readonly Primitive ConvBackwardWeight = new ConvBackwardWeightPrimitive();

    /// <summary>conv_transpose(x, w[, b]) → y [N, Cout, *out] (PyTorch's conv_transpose1d/2d/3d).</summary>
    public static readonly Primitive ConvTranspose = new ConvTransposePrimitive();

    private static string OpName(string family, int rank) => family + rank + "d";

    private static void RequireFloat(string op, TensorSpec[] inputs)
    {
        var first = inputs[0];
        if (!first.DType.IsFloatingPoint())
            throw OpErrors.Argument(op, $"expected floating-point tensors (float32 or float64), got input {first}.");
        for (int i = 1; i < inputs.Length; i++)
            if (inputs[i].DType != first.DType)
                throw OpErrors.Argument(
                    op, $"expected all tensors to have the same dtype, got input {first} and {(i == 1 ? "weight" : "bias")} {inputs[i]}.");
    }

    private static void RequireBias(string op, TensorSpec[] inputs, int channels)
    {
        if (inputs.Length < 3) return;
        var b = inputs[2];
        if (b.Shape.Rank != 1 || b.Shape[0] != channels)
            throw OpErrors.Argument(op, $"expected bias of shape [{channels}] (one per output channel), got {b}.");
    }

    /// <summary>
    /// Bias gradient: the output gradient summed over the batch and every spatial position. Viewed as
    /// [N, C, positions], the positions are summed first (contiguous rows: a vectorised row sum), then the
    /// small [N, C] result over the batch; one strided sum over dims (0, 2, ...) is several times slower.
    /// </summary>
    private static Tensor BiasGrad(Tensor gy)
    {
        int positions = 1;
        for (int i = 2; i < gy.Rank; i++) positions *= gy.Shape[i];
        return gy.Reshape(gy.Shape[0], gy.Shape[1], positions).Sum(2).Sum(0);
    }

    private sealed class ConvPrimitive : Primitive
    {
        public ConvPrimitive() : base("conv") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input", "weight", "bias?"];

        public override AttributeSchema Schema => s_conv;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            string op = OpName("conv", inputs[0].Shape.Rank - 2);
            if (inputs.Length is < 2 or > 3)
                throw OpErrors.Argument(op, $"expected inputs (input, weight[, bias]), got {inputs.Length} tensors.");
            RequireFloat(op, inputs);
            var g = ConvAttributes.Read(attributes).Convolution(op, inputs[0].Shape, inputs[1].Shape);
            RequireBias(op, inputs, g.OutChannels);
            return inputs[0] with { Shape = ConvAttributes.OutputShape(g) };
        }

        public override Tensor?[] Backward(GradContext c)
        {
            var (x, w, gy) = (c.Inputs[0], c.Inputs[1], c.GradOutput);
            var attrs = ConvAttributes.Read(c.Attributes);
            return
            [
                c.NeedsInputGrad[0] ? ConvBackwardInput.Invoke(attrs.With("input_size", x.Shape.ToArray()[2..]), gy, w) : null,
                c.NeedsInputGrad[1] ? ConvBackwardWeight.Invoke(attrs.With("kernel_size", w.Shape.ToArray()[2..]), x, gy) : null,
                .. c.Inputs.Length > 2 ? [c.NeedsInputGrad[2] ? BiasGrad(gy) : null] : Array.Empty<Tensor?>(),
            ];
        }
    }

    private sealed class ConvBackwardInputPrimitive : Primitive
    {
        public ConvBackwardInputPrimitive() : base("conv_backward_input") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["grad_output", "weight"];

        public override AttributeSchema Schema => s_backwardInput;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            string op = OpName("conv", inputs[0].Shape.Rank - 2) + " backward (input)";
            if (inputs.Length != 2) throw OpErrors.Argument(op, $"expected inputs (grad_output, weight), got {inputs.Length} tensors.");
            RequireFloat(op, inputs);
            var g = ConvAttributes.BackwardInput(op, inputs[0].Shape, inputs[1].Shape, attributes);
            return inputs[0] with { Shape = ConvAttributes.InputShape(g) };
        }

        // gx = Cᵀ(gy; w). ⟨u, Cᵀ(gy; w)⟩ = ⟨gy, conv(u, w)⟩, so d/dgy = conv(u, w) and d/dw = conv_backward_weight(u, gy).
        public override Tensor?[] Backward(GradContext c)
        {
            var (gy, w, u) = (c.Inputs[0], c.Inputs[1], c.GradOutput);
            var attrs = ConvAttributes.Read(c.Attributes);
            return
            [
                c.NeedsInputGrad[0] ? Conv.Invoke(attrs.Plain(), u, w) : null,
                c.NeedsInputGrad[1] ? ConvBackwardWeight.Invoke(attrs.With("kernel_size", w.Shape.ToArray()[2..]), u, gy) : null,
            ];
        }
    }

    private sealed class ConvBackwardWeightPrimitive : Primitive
    {
        public ConvBackwardWeightPrimitive() : base("conv_backward_weight") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input", "grad_output"];

        public override AttributeSchema Schema => s_backwardWeight;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            string op = OpName("conv", inputs[0].Shape.Rank - 2) + " backward (weight)";
            if (inputs.Length != 2) throw OpErrors.Argument(op, $"expected inputs (input, grad_output), got {inputs.Length} tensors.");
            RequireFloat(op, inputs);
            var g = ConvAttributes.BackwardWeight(op, inputs[0].Shape, inputs[1].Shape, attributes);
            return inputs[0] with { Shape = Shape.Wrap([g.OutChannels, g.InChannelsPerGroup, .. attributes.Ints("kernel_size")]) };
        }

        // gw = W(x, gy) with ⟨v, W(x, gy)⟩ = ⟨gy, conv(x, v)⟩: d/dx = conv_backward_input(gy, v), d/dgy = conv(x, v).
        public override Tensor?[] Backward(GradContext c)
        {
            var (x, gy, v) = (c.Inputs[0], c.Inputs[1], c.GradOutput);
            var attrs = ConvAttributes.Read(c.Attributes);
            return
            [
                c.NeedsInputGrad[0] ? ConvBackwardInput.Invoke(attrs.With("input_size", x.Shape.ToArray()[2..]), gy, v) : null,
                c.NeedsInputGrad[1] ? Conv.Invoke(attrs.Plain(), x, v) : null,
            ];
        }
    }

    private sealed class ConvTransposePrimitive : Primitive
    {
        public ConvTransposePrimitive() : base("conv_transpose") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input", "weight", "bias?"];

        public override AttributeSchema Schema => s_transpose;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            string op = OpName("conv_transpose", inputs[0].Shape.Rank - 2);
            if (inputs.Length is < 2 or > 3)
                throw OpErrors.Argument(op, $"expected inputs (input, weight[, bias]), got {inputs.Length} tensors.");
            RequireFloat(op, inputs);
            var g = ConvAttributes.Read(attributes).Transposed(op, inputs[0].Shape, inputs[1].Shape);
            RequireBias(op, inputs, g.InChannels);
            return inputs[0] with { Shape = ConvAttributes.InputShape(g) };
        }

        // y = Cᵀ(x; w) for the adjoint convolution C (input y-space, output x-space): d/dx = conv(gy, w),
        // d/dw = conv_backward_weight(gy, x), d/db = gy summed over all but the channel dim.
        public override Tensor?[] Backward(GradContext c)
        {
            var (x, w, gy) = (c.Inputs[0], c.Inputs[1], c.GradOutput);
            var attrs = ConvAttributes.Read(c.Attributes);
            return
            [
                c.NeedsInputGrad[0] ? Conv.Invoke(attrs.Plain(), gy, w) : null,
                c.NeedsInputGrad[1] ? ConvBackwardWeight.Invoke(attrs.With("kernel_size", w.Shape.ToArray()[2..]), gy, x) : null,
                .. c.Inputs.Length > 2 ? [c.NeedsInputGrad[2] ? BiasGrad(gy) : null] : Array.Empty<Tensor?>(),
            ];
        }
    }
}
