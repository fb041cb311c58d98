using Avalon.Primitives;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// The CPU kernels of the convolution primitives (conv, conv_backward_input, conv_backward_weight,
/// conv_transpose): dense inputs, the geometry the shape rule also uses, and a float32/float64 dispatch
/// into the im2col + GEMM drivers, which overwrite the whole output buffer they are given.
/// </summary>
internal static class CpuConvolutionKernels
{
    /// <summary>Registers every convolution kernel with its primitive.</summary>
    public static void Register()
    {
        ConvolutionPrimitives.Conv.RegisterKernel(DeviceType.Cpu, Conv);
        ConvolutionPrimitives.ConvBackwardInput.RegisterKernel(DeviceType.Cpu, BackwardInput);
        ConvolutionPrimitives.ConvBackwardWeight.RegisterKernel(DeviceType.Cpu, BackwardWeight);
        ConvolutionPrimitives.ConvTranspose.RegisterKernel(DeviceType.Cpu, Transpose);
    }

    private delegate void BiasedKernel<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> weight,
        ReadOnlySpan<T> bias, Span<T> output);

    // Cached delegates: a method group converted at each call would allocate a delegate per call.
    private static readonly BiasedKernel<float> s_forward32 = ConvolutionForward.Run;
    private static readonly BiasedKernel<double> s_forward64 = ConvolutionForward.Run;
    private static readonly BiasedKernel<float> s_transposed32 = ConvolutionTransposed.Forward;
    private static readonly BiasedKernel<double> s_transposed64 = ConvolutionTransposed.Forward;

    /// <summary>The driver shared by conv and conv_transpose: dense (input, weight[, bias]) through a geometry into the output.</summary>
    private static void RunBiased(Tensor x, Tensor w, Tensor? b, Tensor output, in ConvGeometry g,
        BiasedKernel<float> f32, BiasedKernel<double> f64)
    {
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (output.DType == DType.Float32)
            f32(g, x.ContiguousSpan<float>(), w.ContiguousSpan<float>(), b is null ? default : b.ContiguousSpan<float>(), output.ContiguousSpan<float>());
        else
            f64(g, x.ContiguousSpan<double>(), w.ContiguousSpan<double>(), b is null ? default : b.ContiguousSpan<double>(), output.ContiguousSpan<double>());
    }

    private static void Conv(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var x = inputs[0].ContiguousNoGrad();
        var w = inputs[1].ContiguousNoGrad();
        var b = inputs.Length > 2 ? inputs[2].ContiguousNoGrad() : null;
        var g = ConvAttributes.Read(a).Convolution("conv", x.Shape, w.Shape);
        RunBiased(x, w, b, outputs[0], g, s_forward32, s_forward64);
    }

    /// <summary>
    /// The conv kernel with <paramref name="epilogue"/> run over each written (sample, group) slice of the
    /// output's flat range (see <see cref="ConvolutionForward"/>); the fused conv + elementwise call's kernel.
    /// </summary>
    public static void ConvWithEpilogue(Tensor[] inputs, Attributes a, Tensor output, Action<int, int> epilogue)
    {
        var x = inputs[0].ContiguousNoGrad();
        var w = inputs[1].ContiguousNoGrad();
        var b = inputs.Length > 2 ? inputs[2].ContiguousNoGrad() : null;
        var g = ConvAttributes.Read(a).Convolution("conv", x.Shape, w.Shape);
        if (output.DType == DType.Float32)
            ConvolutionForward.Run(g, x.ContiguousSpan<float>(), w.ContiguousSpan<float>(), b is null ? default : b.ContiguousSpan<float>(),
                output.ContiguousSpan<float>(), allowDirect: true, epilogue);
        else
            ConvolutionForward.Run(g, x.ContiguousSpan<double>(), w.ContiguousSpan<double>(), b is null ? default : b.ContiguousSpan<double>(),
                output.ContiguousSpan<double>(), allowDirect: true, epilogue);
    }

    private static void Transpose(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var x = inputs[0].ContiguousNoGrad();
        var w = inputs[1].ContiguousNoGrad();
        var b = inputs.Length > 2 ? inputs[2].ContiguousNoGrad() : null;
        var g = ConvAttributes.Read(a).Transposed("conv_transpose", x.Shape, w.Shape);
        RunBiased(x, w, b, outputs[0], g, s_transposed32, s_transposed64);
    }

    private static void BackwardInput(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var gy = inputs[0].ContiguousNoGrad();
        var w = inputs[1].ContiguousNoGrad();
        var g = ConvAttributes.BackwardInput("conv_backward_input", gy.Shape, w.Shape, a);
        var gx = outputs[0];
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (gx.DType == DType.Float32)
            ConvolutionBackwardInput.Run(g, gy.ContiguousSpan<float>(), w.ContiguousSpan<float>(), gx.ContiguousSpan<float>());
        else
            ConvolutionBackwardInput.Run(g, gy.ContiguousSpan<double>(), w.ContiguousSpan<double>(), gx.ContiguousSpan<double>());
    }

    private static void BackwardWeight(Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var x = inputs[0].ContiguousNoGrad();
        var gy = inputs[1].ContiguousNoGrad();
        var g = ConvAttributes.BackwardWeight("conv_backward_weight", x.Shape, gy.Shape, a);
        var gw = outputs[0];
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (gw.DType == DType.Float32)
            ConvolutionBackwardWeight.Run(g, x.ContiguousSpan<float>(), gy.ContiguousSpan<float>(), gw.ContiguousSpan<float>());
        else
            ConvolutionBackwardWeight.Run(g, x.ContiguousSpan<double>(), gy.ContiguousSpan<double>(), gw.ContiguousSpan<double>());
    }
}
