using System.Numerics;
using Avalon.Primitives;
using Avalon.Primitives.Upsampling;

namespace Avalon.Backends.Cpu.Upsampling;

/// <summary>
/// The CPU kernels of the upsampling primitives (nearest and linear, forward and backward): the
/// attributes become three <see cref="InterpolationAxis{T}"/> (identity leading axes) and
/// <see cref="Interpolation"/> writes the whole output (the backward clears it before scattering).
/// </summary>
internal static class CpuUpsamplingKernels
{
    /// <summary>Registers every upsampling kernel with its primitive.</summary>
    public static void Register()
    {
        UpsamplingPrimitives.Nearest.RegisterKernel(DeviceType.Cpu, (i, a, o) => Run(linear: false, backward: false, i, a, o));
        UpsamplingPrimitives.NearestBackward.RegisterKernel(DeviceType.Cpu, (i, a, o) => Run(linear: false, backward: true, i, a, o));
        UpsamplingPrimitives.Linear.RegisterKernel(DeviceType.Cpu, (i, a, o) => Run(linear: true, backward: false, i, a, o));
        UpsamplingPrimitives.LinearBackward.RegisterKernel(DeviceType.Cpu, (i, a, o) => Run(linear: true, backward: true, i, a, o));
    }

    private static void Run(bool linear, bool backward, Tensor[] inputs, Attributes a, Tensor[] outputs)
    {
        var source = inputs[0].ContiguousNoGrad();
        // The forward resizes from the input's sizes; the backward maps a gradient back to input_size.
        var inputSize = backward ? a.Ints("input_size") : source.Shape.ToArray()[2..];
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (source.DType == DType.Float32) Run<float>(linear, backward, inputSize, a, source, outputs[0]);
        else Run<double>(linear, backward, inputSize, a, source, outputs[0]);
    }

    /// <summary>Builds the three axes (identity leading axes) and runs the forward or backward interpolation.</summary>
    private static void Run<T>(bool linear, bool backward, int[] inputSize, Attributes a, Tensor source, Tensor destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var size = a.Ints("output_size");
        var scales = a.Get<double[]>("scales");
        bool align = linear && a.Bool("align_corners");
        var axes = new InterpolationAxis<T>[3];
        int lead = 3 - size.Length;
        for (int i = 0; i < 3; i++)
            axes[i] = i < lead ? InterpolationAxis<T>.Identity()
                : linear ? InterpolationAxis<T>.Linear(inputSize[i - lead], size[i - lead], scales[i - lead], align)
                : InterpolationAxis<T>.Nearest(inputSize[i - lead], size[i - lead], scales[i - lead]);
        int planes = source.Shape[0] * source.Shape[1];
        if (backward)
            Interpolation.Backward(planes, axes[0], axes[1], axes[2], source.ContiguousSpan<T>(), destination.ContiguousSpan<T>());
        else
            Interpolation.Forward(planes, axes[0], axes[1], axes[2], source.ContiguousSpan<T>(), destination.ContiguousSpan<T>());
    }
}
