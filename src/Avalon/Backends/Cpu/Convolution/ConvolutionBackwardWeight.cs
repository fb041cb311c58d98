using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Gradient of a convolution with respect to its weight: gradWeight_g = Σₙ gradOutput[n, g] × columns(input[n, g])ᵀ.
/// The batch is split into one range per thread, each accumulating into a private partial gradient (one
/// task per range and group); the partials are summed at the end. Within a range, samples are taken in
/// chunks (see <see cref="ColumnChunk"/>): the chunk's columns and output gradients, side by side, make
/// one GEMM whose inner dimension runs over all of the chunk's output positions.
/// </summary>
internal static unsafe class ConvolutionBackwardWeight
{
    /// <summary>Upper bound, in elements, on the partial weight gradients kept for the parallel batch split.</summary>
    private const long PartialBudget = 1 << 24;

    /// <summary>
    /// gradWeight[Cout, Cin/groups, kD, kH, kW] from input[N, Cin, D, H, W] and gradOutput[N, Cout, oD, oH, oW].
    /// The gradient buffer is overwritten.
    /// </summary>
    public static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradWeight)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Run(g, input, gradOutput, gradWeight, samplesPerChunk: 0);

    /// <summary>
    /// As <see cref="Run{T}(in ConvGeometry, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/> with at most
    /// <paramref name="samplesPerChunk"/> samples per GEMM, or the cache-sized default when it is 0 (tests
    /// set it to reach every chunk split).
    /// </summary>
    internal static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradWeight,
        int samplesPerChunk) where T : unmanaged, IFloatingPointIeee754<T>
    {
        g.RequireLength("input", input.Length, g.InputLength);
        g.RequireLength("grad_output", gradOutput.Length, g.OutputLength);
        g.RequireLength("grad_weight", gradWeight.Length, g.WeightLength);
        if (g.Batch == 0)
        {
            gradWeight.Clear();
            return;
        }

        long weightLength = g.WeightLength;
        int ranges = (int)Math.Min(Math.Min(g.Batch, CpuParallel.Threads), 1 + PartialBudget / weightLength);
        int chunk = g.IsPointwise ? 1
            : samplesPerChunk > 0 ? samplesPerChunk
            : ColumnChunk.Samples<T>(g, (g.Batch + ranges - 1) / ranges);
        T[]? partials = ranges > 1 ? ArrayPool<T>.Shared.Rent(checked((int)((ranges - 1) * weightLength))) : null;
        try
        {
            fixed (T* pIn = input, pGy = gradOutput, pGw = gradWeight, pPart = partials)
            {
                int items = ranges * g.Groups;
                var job = new Job<T>(g, pIn, pGy, pGw, pPart, ranges, chunk, serial: items >= CpuParallel.Threads);
                CpuParallel.For(items, job.Execute);
            }
            for (int p = 1; p < ranges; p++)
                TensorPrimitives.Add(gradWeight, partials.AsSpan((int)((p - 1) * weightLength), (int)weightLength), gradWeight);
        }
        finally
        {
            if (partials != null) ArrayPool<T>.Shared.Return(partials);
        }
    }

    private sealed class Job<T>(ConvGeometry g, T* input, T* gradOutput, T* gradWeight, T* partials, int ranges, int chunk, bool serial)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Execute(int item)
        {
            int range = item / g.Groups, grp = item % g.Groups;
            int first = (int)((long)range * g.Batch / ranges), end = (int)((long)(range + 1) * g.Batch / ranges);
            int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, rows = g.ColumnRows;
            int inPlane = g.InputPlane, outPlane = g.OutputPlane;
            long inSample = (long)g.InChannels * inPlane, outSample = (long)g.OutChannels * outPlane;
            T* gw = (range == 0 ? gradWeight : partials + (range - 1) * g.WeightLength) + (long)grp * coutG * rows;
            int maxWidth = Math.Min(chunk, end - first) * outPlane;
            T[]? columnsBuffer = g.IsPointwise ? null : ArrayPool<T>.Shared.Rent(checked(rows * maxWidth));
            T[]? gradBuffer = chunk > 1 && end - first > 1 ? ArrayPool<T>.Shared.Rent(checked(coutG * maxWidth)) : null;
            try
            {
                fixed (T* columnsStart = columnsBuffer, gathered = gradBuffer)
                {
                    for (int n = first; n < end; n += chunk)
                    {
                        int count = Math.Min(chunk, end - n), width = count * outPlane;
                        T* x = input + n * inSample + (long)grp * cinG * inPlane;
                        T* gy = gradOutput + n * outSample + (long)grp * coutG * outPlane;
                        T* columns = x;
                        if (!g.IsPointwise)
                        {
                            columns = columnsStart;
                            for (int s = 0; s < count; s++)
                                VolumeColumns.ToColumns(g, x + s * inSample, columns + (nint)s * outPlane, width);
                        }
                        T* a = gy;
                        if (count > 1)
                        {
                            ColumnChunk.Gather(gy, outSample, count, coutG, outPlane, gathered);
                            a = gathered;
                        }
                        GemmDispatch.Multiply(false, true, coutG, rows, width, a, width, columns, width, n != first, gw, rows, serial);
                    }
                }
            }
            finally
            {
                if (columnsBuffer != null) ArrayPool<T>.Shared.Return(columnsBuffer);
                if (gradBuffer != null) ArrayPool<T>.Shared.Return(gradBuffer);
            }
        }
    }
}
