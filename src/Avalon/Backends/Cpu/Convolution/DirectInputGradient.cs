using System.Numerics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// The input gradient of a stride-1, undilated convolution as a forward convolution, so that it takes the
/// direct kernel (<see cref="DirectConvolution"/>) instead of GEMM + col2vol. With stride 1,
/// gradInput = conv(gradOutput, w′) with padding k − 1 − p, where w′[ci, co, kh, kw] = w[co, ci, k−1−kh, k−1−kw]
/// within each group: the adjoint of a correlation is the correlation with the flipped kernel, input and
/// output channels exchanging roles.
/// </summary>
internal static unsafe class DirectInputGradient
{
    /// <summary>
    /// The forward geometry whose result is <paramref name="g"/>'s input gradient, when the direct kernel
    /// takes it: stride 1, no dilation, padding at most kernel − 1 (else the adjoint's padding is negative),
    /// and at least four input channels per group (the adjoint's outputs: the kernel computes output channels
    /// in blocks of four or eight, so one or two would waste most of its work; measured, a one-channel
    /// input is 0.6× the GEMM path, 16 channels and more 1.1–1.8× faster), and an output plane at least 3/4 of
    /// the input's: the adjoint runs over every input position, its padded planes mostly zeros where the
    /// output is much smaller than the input (LeNet's 5×5 on 12², 8² outputs: 0.5× the GEMM path).
    /// </summary>
    public static bool TryAdjoint<T>(in ConvGeometry g, out ConvGeometry adjoint) where T : unmanaged
    {
        adjoint = default;
        if (g.SpatialRank > 2 || g.StrideHeight != 1 || g.StrideWidth != 1 ||
            g.DilationHeight != 1 || g.DilationWidth != 1 || g.KernelVolume == 1 || g.InChannelsPerGroup < 4 ||
            g.PadHeight > g.KernelHeight - 1 || g.PadWidth > g.KernelWidth - 1 || 4L * g.OutputPlane < 3L * g.InputPlane)
            return false;
        int padH = g.KernelHeight - 1 - g.PadHeight, padW = g.KernelWidth - 1 - g.PadWidth;
        adjoint = g.SpatialRank == 2
            ? ConvGeometry.Create(g.Batch, g.OutChannels, g.InChannels, g.Groups, [g.OutputHeight, g.OutputWidth],
                [g.KernelHeight, g.KernelWidth], [1, 1], [padH, padW], [1, 1])
            : ConvGeometry.Create(g.Batch, g.OutChannels, g.InChannels, g.Groups, [g.OutputWidth], [g.KernelWidth], [1], [padW], [1]);
        return DirectConvolution.Applies<T>(adjoint);
    }

    /// <summary>gradInput = the adjoint convolution of gradOutput; <paramref name="adjoint"/> comes from <see cref="TryAdjoint{T}"/>.</summary>
    public static void Run<T>(in ConvGeometry g, in ConvGeometry adjoint, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> weight, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int coutG = g.OutChannelsPerGroup, cinG = g.InChannelsPerGroup, kH = g.KernelHeight, kW = g.KernelWidth, area = kH * kW;
        // The calling thread's slot; the workers only read it, and no other step uses it.
        T* flipped = ConvolutionWorkspace.Current.Get<T>(ConvolutionScratch.Weight, g.WeightLength);
        fixed (T* w = weight)
        {
            for (int grp = 0; grp < g.Groups; grp++)
            for (int co = 0; co < coutG; co++)
            for (int ci = 0; ci < cinG; ci++)
            {
                T* source = w + ((long)(grp * coutG + co) * cinG + ci) * area;
                T* target = flipped + ((long)(grp * cinG + ci) * coutG + co) * area;
                for (int i = 0; i < area; i++) target[area - 1 - i] = source[i];
            }
        }
        ConvolutionForward.Run(adjoint, gradOutput, new ReadOnlySpan<T>(flipped, (int)g.WeightLength), ReadOnlySpan<T>.Empty, gradInput, allowDirect: true);
    }
}
