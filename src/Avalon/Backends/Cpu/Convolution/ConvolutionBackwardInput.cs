using System.Buffers;
using System.Numerics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Gradient of a convolution with respect to its input: columns = weightᵀ × gradOutput, then col2vol.
/// Samples are taken in chunks (see <see cref="ColumnChunk"/>): the chunk's output gradients, side by
/// side, meet the weight in one GEMM, then each sample's columns are folded back into its input
/// gradient. One task per (chunk, group). The same linear map is the forward of a transposed convolution.
/// The chunk size follows the thread count, but the results do not: each column entry is one GEMM sum over
/// the output channels, whatever the chunk's width, and col2vol folds each sample on its own.
/// </summary>
internal static unsafe class ConvolutionBackwardInput
{
    /// <summary>
    /// gradInput[N, Cin, D, H, W] = convᵀ(gradOutput[N, Cout, oD, oH, oW], weight[Cout, Cin/groups, kD, kH, kW]).
    /// The gradient buffer is overwritten.
    /// </summary>
    public static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> weight, Span<T> gradInput)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Run(g, gradOutput, weight, gradInput,
            ColumnChunk.Samples<T>(g, (g.Batch + CpuParallel.Threads - 1) / CpuParallel.Threads));

    /// <summary>
    /// As <see cref="Run{T}(in ConvGeometry, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/> with at most
    /// <paramref name="samplesPerChunk"/> samples per GEMM (tests set it to reach every chunk split).
    /// </summary>
    internal static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> gradOutput, ReadOnlySpan<T> weight, Span<T> gradInput,
        int samplesPerChunk) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("grad_output", gradOutput.Length, g.OutputLength);
        g.RequireLength("weight", weight.Length, g.WeightLength);
        g.RequireLength("grad_input", gradInput.Length, g.InputLength);
        if (g.Batch == 0) return;

        // A pointwise convolution needs no col2vol, so each sample's GEMM writes its gradient in place.
        int chunk = g.IsPointwise ? 1 : Math.Max(1, samplesPerChunk);
        int chunks = (g.Batch + chunk - 1) / chunk;
        fixed (T* pGy = gradOutput, pW = weight, pGx = gradInput)
        {
            int items = chunks * g.Groups;
            var job = new Job<T>(g, pGy, pW, pGx, chunk, serial: items >= CpuParallel.Threads);
            CpuParallel.For(items, job.Execute);
        }
    }

    private sealed class Job<T>(ConvGeometry g, T* gradOutput, T* weight, T* gradInput, int chunk, bool serial)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Execute(int item)
        {
            int grp = item % g.Groups, first = item / g.Groups * chunk, count = Math.Min(chunk, g.Batch - first);
            int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, rows = g.ColumnRows;
            int inPlane = g.InputPlane, outPlane = g.OutputPlane;
            long inSample = (long)g.InChannels * inPlane, outSample = (long)g.OutChannels * outPlane;
            T* gx = gradInput + first * inSample + (long)grp * cinG * inPlane;
            T* gy = gradOutput + first * outSample + (long)grp * coutG * outPlane;
            T* w = weight + (long)grp * coutG * rows;
            if (g.IsPointwise)
            {
                GemmDispatch.Multiply(true, false, rows, outPlane, coutG, w, rows, gy, outPlane, false, gx, inPlane, serial);
                return;
            }

            int width = count * outPlane;
            T[] columnsBuffer = ArrayPool<T>.Shared.Rent(checked(rows * width));
            T[]? gradBuffer = count > 1 ? ArrayPool<T>.Shared.Rent(checked(coutG * width)) : null;
            try
            {
                fixed (T* columns = columnsBuffer, gathered = gradBuffer)
                {
                    T* b = gy;
                    if (count > 1)
                    {
                        ColumnChunk.Gather(gy, outSample, count, coutG, outPlane, gathered);
                        b = gathered;
                    }
                    GemmDispatch.Multiply(true, false, rows, width, coutG, w, rows, b, width, false, columns, width, serial);
                    for (int s = 0; s < count; s++)
                        VolumeColumns.FromColumns(g, columns + (nint)s * outPlane, width, gx + s * inSample);
                }
            }
            finally
            {
                ArrayPool<T>.Shared.Return(columnsBuffer);
                if (gradBuffer != null) ArrayPool<T>.Shared.Return(gradBuffer);
            }
        }
    }
}
