using System.Numerics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Transposed convolution (PyTorch's conv_transpose1d/2d/3d) as the adjoint of the convolution that
/// <see cref="ConvGeometry.CreateTransposed"/> describes. With that geometry g, the transposed
/// convolution's input [N, Cin_t, ...] is g's output, its output [N, Cout_t, ...] is g's input, and its
/// weight [Cin_t, Cout_t/groups, k...] is g's weight.
/// </summary>
internal static class ConvolutionTransposed
{
    /// <summary>
    /// output = conv_transpose(input, weight) + bias; bias is empty or has Cout_t (= g.InChannels) elements.
    /// The output is overwritten.
    /// </summary>
    public static void Forward<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> weight, ReadOnlySpan<T> bias,
        Span<T> output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("input", input.Length, g.OutputLength);
        g.RequireLength("weight", weight.Length, g.WeightLength);
        if (!bias.IsEmpty) g.RequireLength("bias", bias.Length, g.InChannels);
        g.RequireLength("output", output.Length, g.InputLength);
        ConvolutionBackwardInput.Run(g, input, weight, output);
        if (!bias.IsEmpty) ConvolutionBias.Add(bias, g.Batch, g.InChannels, g.InputPlane, output);
    }

    /// <summary>Gradient with respect to the input: the ordinary convolution of gradOutput. Overwrites gradInput.</summary>
    public static void BackwardInput<T>(in ConvGeometry g, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> weight,
        Span<T> gradInput) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("grad_output", gradOutput.Length, g.InputLength);
        g.RequireLength("grad_input", gradInput.Length, g.OutputLength);
        ConvolutionForward.Run(g, gradOutput, weight, ReadOnlySpan<T>.Empty, gradInput);
    }

    /// <summary>
    /// Gradient with respect to the weight: the convolution weight gradient with the roles of input and
    /// gradient swapped (gradOutput plays the input, input plays the output gradient). Overwrites gradWeight.
    /// </summary>
    public static void BackwardWeight<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput,
        Span<T> gradWeight) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("input", input.Length, g.OutputLength);
        g.RequireLength("grad_output", gradOutput.Length, g.InputLength);
        ConvolutionBackwardWeight.Run(g, gradOutput, input, gradWeight);
    }

    /// <summary>Gradient with respect to the bias: gradOutput summed over the batch and positions. Overwrites gradBias.</summary>
    public static void BackwardBias<T>(in ConvGeometry g, ReadOnlySpan<T> gradOutput, Span<T> gradBias)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("grad_output", gradOutput.Length, g.InputLength);
        g.RequireLength("grad_bias", gradBias.Length, g.InChannels);
        ConvolutionBias.Backward(gradOutput, g.Batch, g.InChannels, g.InputPlane, gradBias);
    }
}
