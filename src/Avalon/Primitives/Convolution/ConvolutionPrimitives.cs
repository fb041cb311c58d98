using Avalon.Backends.Cpu;
using Avalon.Backends.Cpu.Convolution;

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
            throw new ArgumentException($"{op}: expected floating-point tensors (float32 or float64), got input {first}.");
        for (int i = 1; i < inputs.Length; i++)
            if (inputs[i].DType != first.DType)
                throw new ArgumentException(
                    $"{op}: expected all tensors to have the same dtype, got input {first} and {(i == 1 ? "weight" : "bias")} {inputs[i]}.");
    }

    private static void RequireBias(string op, TensorSpec[] inputs, int channels)
    {
        if (inputs.Length < 3) return;
        var b = inputs[2];
        if (b.Shape.Rank != 1 || b.Shape[0] != channels)
            throw new ArgumentException($"{op}: expected bias of shape [{channels}] (one per output channel), got {b}.");
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

    // Every convolution kernel overwrites its whole output (GEMM with beta 0, or an explicit clear).
    private static Tensor Allocate(TensorSpec spec) => Tensor.Uninitialized(spec.Shape.ToArray(), spec.DType, spec.Device);

    private delegate void BiasedKernel<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> weight,
        ReadOnlySpan<T> bias, Span<T> output);

    /// <summary>The CPU kernel shared by conv and conv_transpose: dense (input, weight[, bias]) through a geometry into a new output.</summary>
    private static Tensor RunBiased(Tensor[] inputs, TensorSpec spec, Func<Shape, Shape, ConvGeometry> geometry,
        BiasedKernel<float> f32, BiasedKernel<double> f64)
    {
        var x = inputs[0].ContiguousNoGrad();
        var w = inputs[1].ContiguousNoGrad();
        var b = inputs.Length > 2 ? inputs[2].ContiguousNoGrad() : null;
        var g = geometry(x.Shape, w.Shape);
        var y = Allocate(spec);
        if (spec.DType == DType.Float32)
            f32(g, x.ContiguousSpan<float>(), w.ContiguousSpan<float>(), b is null ? default : b.ContiguousSpan<float>(), y.ContiguousSpan<float>());
        else
            f64(g, x.ContiguousSpan<double>(), w.ContiguousSpan<double>(), b is null ? default : b.ContiguousSpan<double>(), y.ContiguousSpan<double>());
        return y;
    }

    private sealed class ConvPrimitive : Primitive
    {
        public ConvPrimitive() : base("conv") => RegisterReturningKernel(DeviceType.Cpu, Kernel);

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            string op = OpName("conv", inputs[0].Shape.Rank - 2);
            if (inputs.Length is < 2 or > 3)
                throw new ArgumentException($"{op}: expected inputs (input, weight[, bias]), got {inputs.Length} tensors.");
            RequireFloat(op, inputs);
            var g = ConvAttributes.Read(attributes).Convolution(op, inputs[0].Shape, inputs[1].Shape);
            RequireBias(op, inputs, g.OutChannels);
            return inputs[0] with { Shape = ConvAttributes.OutputShape(g) };
        }

        private static Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec) =>
            RunBiased(inputs, spec, (x, w) => ConvAttributes.Read(a).Convolution("conv", x, w),
                ConvolutionForward.Run, ConvolutionForward.Run);

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
        public ConvBackwardInputPrimitive() : base("conv_backward_input") => RegisterReturningKernel(DeviceType.Cpu, Kernel);

        /// <summary>The geometry of the convolution whose input gradient this is.</summary>
        private static ConvGeometry Geometry(string op, Shape gradOutput, Shape weight, Attributes a)
        {
            var attrs = ConvAttributes.Read(a);
            var size = a.Ints("input_size");
            if (gradOutput.Rank is < 3 or > 5 || size.Length != gradOutput.Rank - 2)
                throw new ArgumentException(
                    $"{op}: expected grad_output of rank 3 to 5 and input_size with one value per spatial dim, got grad_output {gradOutput} and input_size {ShapeUtil.Format(size)}.");
            int[] input = [gradOutput[0], weight[1] * attrs.Groups, .. size];
            var g = attrs.Convolution(op, input, weight);
            ConvAttributes.RequireOutput(op, g, "grad_output", gradOutput, weight[0]);
            return g;
        }

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            string op = OpName("conv", inputs[0].Shape.Rank - 2) + " backward (input)";
            if (inputs.Length != 2) throw new ArgumentException($"{op}: expected inputs (grad_output, weight), got {inputs.Length} tensors.");
            RequireFloat(op, inputs);
            var g = Geometry(op, inputs[0].Shape, inputs[1].Shape, attributes);
            return inputs[0] with { Shape = ConvAttributes.InputShape(g) };
        }

        private static Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec)
        {
            var gy = inputs[0].ContiguousNoGrad();
            var w = inputs[1].ContiguousNoGrad();
            var g = Geometry("conv_backward_input", gy.Shape, w.Shape, a);
            var gx = Allocate(spec);
            if (spec.DType == DType.Float32)
                ConvolutionBackwardInput.Run(g, gy.ContiguousSpan<float>(), w.ContiguousSpan<float>(), gx.ContiguousSpan<float>());
            else
                ConvolutionBackwardInput.Run(g, gy.ContiguousSpan<double>(), w.ContiguousSpan<double>(), gx.ContiguousSpan<double>());
            return gx;
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
        public ConvBackwardWeightPrimitive() : base("conv_backward_weight") => RegisterReturningKernel(DeviceType.Cpu, Kernel);

        private static ConvGeometry Geometry(string op, Shape input, Shape gradOutput, Attributes a)
        {
            var attrs = ConvAttributes.Read(a);
            var kernel = a.Ints("kernel_size");
            if (input.Rank is < 3 or > 5 || kernel.Length != input.Rank - 2 || gradOutput.Rank != input.Rank)
                throw new ArgumentException(
                    $"{op}: expected input and grad_output of equal rank 3 to 5 and kernel_size with one value per spatial dim, got input {input}, grad_output {gradOutput} and kernel_size {ShapeUtil.Format(kernel)}.");
            if (gradOutput[1] % attrs.Groups != 0 || input[1] % attrs.Groups != 0)
                throw new ArgumentException(
                    $"{op}: channels of input {input} and grad_output {gradOutput} must be divisible by groups ({attrs.Groups}).");
            int[] weight = [gradOutput[1], input[1] / attrs.Groups, .. kernel];
            var g = attrs.Convolution(op, input, weight);
            ConvAttributes.RequireOutput(op, g, "grad_output", gradOutput, gradOutput[1]);
            return g;
        }

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            string op = OpName("conv", inputs[0].Shape.Rank - 2) + " backward (weight)";
            if (inputs.Length != 2) throw new ArgumentException($"{op}: expected inputs (input, grad_output), got {inputs.Length} tensors.");
            RequireFloat(op, inputs);
            var g = Geometry(op, inputs[0].Shape, inputs[1].Shape, attributes);
            return inputs[0] with { Shape = Shape.Wrap([g.OutChannels, g.InChannelsPerGroup, .. attributes.Ints("kernel_size")]) };
        }

        private static Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec)
        {
            var x = inputs[0].ContiguousNoGrad();
            var gy = inputs[1].ContiguousNoGrad();
            var g = Geometry("conv_backward_weight", x.Shape, gy.Shape, a);
            var gw = Allocate(spec);
            if (spec.DType == DType.Float32)
                ConvolutionBackwardWeight.Run(g, x.ContiguousSpan<float>(), gy.ContiguousSpan<float>(), gw.ContiguousSpan<float>());
            else
                ConvolutionBackwardWeight.Run(g, x.ContiguousSpan<double>(), gy.ContiguousSpan<double>(), gw.ContiguousSpan<double>());
            return gw;
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
        public ConvTransposePrimitive() : base("conv_transpose") => RegisterReturningKernel(DeviceType.Cpu, Kernel);

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            string op = OpName("conv_transpose", inputs[0].Shape.Rank - 2);
            if (inputs.Length is < 2 or > 3)
                throw new ArgumentException($"{op}: expected inputs (input, weight[, bias]), got {inputs.Length} tensors.");
            RequireFloat(op, inputs);
            var g = ConvAttributes.Read(attributes).Transposed(op, inputs[0].Shape, inputs[1].Shape);
            RequireBias(op, inputs, g.InChannels);
            return inputs[0] with { Shape = ConvAttributes.InputShape(g) };
        }

        private static Tensor Kernel(Tensor[] inputs, Attributes a, TensorSpec spec) =>
            RunBiased(inputs, spec, (x, w) => ConvAttributes.Read(a).Transposed("conv_transpose", x, w),
                ConvolutionTransposed.Forward, ConvolutionTransposed.Forward);

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
