using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Gradient of a convolution with respect to its weight: gradWeight_g = Σₙ gradOutput[n, g] × columns(input[n, g])ᵀ.
/// The batch is cut into chunks of consecutive samples (see <see cref="ColumnChunk"/>) whose boundaries
/// depend only on the geometry, never on the thread count. Each chunk's columns and output gradients,
/// side by side, make one GEMM whose inner dimension runs over all of the chunk's output positions; that
/// GEMM writes the chunk's partial gradient, on whichever thread takes it (one task per chunk and group).
/// The partials are then added in chunk order, so every element of the gradient is the same sum, in the
/// same order, with 1 thread or 16: a model trained from a seed is bitwise the same on every machine.
/// </summary>
internal static unsafe class ConvolutionBackwardWeight
{
    /// <summary>Upper bound, in elements, on the partial gradients held at once; more chunks are taken in waves.</summary>
    private const long PartialBudget = 1 << 24;

    /// <summary>
    /// The batch is cut into at least this many chunks when it has the samples: enough tasks for the
    /// threads of a typical machine even where the cache budget would allow fewer, wider chunks. A
    /// constant, not the thread count, so that the chunks (and so the sums) are the same everywhere.
    /// </summary>
    private const int MinChunks = 8;

    /// <summary>
    /// gradWeight[Cout, Cin/groups, kD, kH, kW] from input[N, Cin, D, H, W] and gradOutput[N, Cout, oD, oH, oW].
    /// The gradient buffer is overwritten.
    /// </summary>
    public static void Run<T>(in ConvGeometry g, ReadOnlySpan<T> input, ReadOnlySpan<T> gradOutput, Span<T> gradWeight)
        where T : unmanaged, IFloatingPointIeee754<T>
        => Run(g, input, gradOutput, gradWeight, samplesPerChunk: 0);

    /// <summary>
    /// As <see cref="Run{T}(in ConvGeometry, ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/> with at most
    /// <paramref name="samplesPerChunk"/> samples per chunk, or the cache-sized default when it is 0 (tests
    /// set it to reach every chunk split). Chunks are as equal as the batch allows: sizes differ by at most one.
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

        int maxChunk = samplesPerChunk > 0 ? samplesPerChunk
            : ColumnChunk.Samples<T>(g, (g.Batch + MinChunks - 1) / MinChunks);
        int chunks = (g.Batch + maxChunk - 1) / maxChunk;
        long weightLength = g.WeightLength;
        // Chunks computed together; the first chunk of all writes the gradient itself.
        int wave = (int)Math.Clamp(PartialBudget / weightLength, 1, chunks);
        T[]? partials = chunks > 1 ? ArrayPool<T>.Shared.Rent(checked((int)(wave * weightLength))) : null;
        try
        {
            fixed (T* pIn = input, pGy = gradOutput, pGw = gradWeight, pPart = partials)
            {
                for (int start = 0; start < chunks; start += wave)
                {
                    int count = Math.Min(wave, chunks - start), items = count * g.Groups;
                    var job = new Job<T>(g, pIn, pGy, pGw, pPart, chunks, start, serial: items >= CpuParallel.Threads);
                    CpuParallel.For(items, job.Execute);
                    // In chunk order, whatever order the chunks were computed in.
                    for (int c = Math.Max(start, 1); c < start + count; c++)
                        TensorPrimitives.Add(gradWeight, new ReadOnlySpan<T>(pPart + (c - start) * weightLength, (int)weightLength), gradWeight);
                }
            }
        }
        finally
        {
            if (partials != null) ArrayPool<T>.Shared.Return(partials);
        }
    }

    /// <summary>The first sample of chunk <paramref name="chunk"/> of <paramref name="chunks"/> over <paramref name="batch"/> samples.</summary>
    private static int ChunkStart(int chunk, int chunks, int batch) => (int)((long)chunk * batch / chunks);

    /// <summary>
    /// One (chunk, group) partial gradient of the wave that starts at chunk <paramref name="firstChunk"/>: chunk 0
    /// writes the gradient, chunk c of the wave its slot c − firstChunk of <paramref name="partials"/>.
    /// </summary>
    private sealed class Job<T>(ConvGeometry g, T* input, T* gradOutput, T* gradWeight, T* partials, int chunks, int firstChunk,
        bool serial) where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Execute(int item)
        {
            int chunk = firstChunk + item / g.Groups, grp = item % g.Groups;
            int first = ChunkStart(chunk, chunks, g.Batch), count = ChunkStart(chunk + 1, chunks, g.Batch) - first;
            int cinG = g.InChannelsPerGroup, coutG = g.OutChannelsPerGroup, rows = g.ColumnRows;
            int inPlane = g.InputPlane, outPlane = g.OutputPlane, width = count * outPlane;
            long inSample = (long)g.InChannels * inPlane, outSample = (long)g.OutChannels * outPlane;
            T* gw = (chunk == 0 ? gradWeight : partials + (chunk - firstChunk) * g.WeightLength) + (long)grp * coutG * rows;
            T* x = input + first * inSample + (long)grp * cinG * inPlane;
            T* gy = gradOutput + first * outSample + (long)grp * coutG * outPlane;
            // One sample of a pointwise convolution is its own column matrix, and one sample's output
            // gradient is already a [coutG, positions] matrix; otherwise both are gathered.
            bool direct = g.IsPointwise && count == 1;
            T[]? columnsBuffer = direct ? null : ArrayPool<T>.Shared.Rent(checked(rows * width));
            T[]? gradBuffer = count > 1 ? ArrayPool<T>.Shared.Rent(checked(coutG * width)) : null;
            try
            {
                fixed (T* columnsStart = columnsBuffer, gathered = gradBuffer)
                {
                    T* columns = x;
                    if (g.IsPointwise && count > 1)
                    {
                        ColumnChunk.Gather(x, inSample, count, cinG, inPlane, columnsStart);
                        columns = columnsStart;
                    }
                    else if (!g.IsPointwise)
                    {
                        for (int s = 0; s < count; s++)
                            VolumeColumns.ToColumns(g, x + s * inSample, columnsStart + (nint)s * outPlane, width);
                        columns = columnsStart;
                    }
                    T* a = gy;
                    if (count > 1)
                    {
                        ColumnChunk.Gather(gy, outSample, count, coutG, outPlane, gathered);
                        a = gathered;
                    }
                    GemmDispatch.Multiply(false, true, coutG, rows, width, a, width, columns, width, false, gw, rows, serial);
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
