using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// How many samples share one column matrix, and so one GEMM. Side by side, the columns of several
/// samples make a wider product whose operands are packed once instead of once per sample; the width
/// is capped so that the column matrix stays in the core's L2 cache between im2col and the GEMM.
/// </summary>
internal static unsafe class ColumnChunk
{
    /// <summary>Upper bound, in bytes, on one chunk's column matrix (half a megabyte: a typical L2 share).</summary>
    private const long BudgetBytes = 512 * 1024;

    /// <summary>
    /// Samples per chunk for <paramref name="g"/>: as many as fit the budget (at least 1), and no more
    /// than <paramref name="maxSamples"/> (which the caller sets so that there are enough chunks to share
    /// among threads; the weight gradient sets it from a constant, so that its chunks, which decide the
    /// order of its sums, do not depend on the thread count).
    /// </summary>
    public static int Samples<T>(in ConvGeometry g, int maxSamples) where T : unmanaged
    {
        long perSample = Math.Max(1L, (long)g.ColumnRows * g.OutputPlane * sizeof(T));
        return (int)Math.Clamp(BudgetBytes / perSample, 1, Math.Max(1, maxSamples));
    }

    /// <summary>
    /// Copies the [channels, plane] slice starting at <paramref name="source"/> of <paramref name="count"/>
    /// consecutive samples (<paramref name="sampleStride"/> elements apart) into <paramref name="destination"/>
    /// as one [channels, count·plane] matrix: sample s fills columns [s·plane, (s+1)·plane).
    /// </summary>
    public static void Gather<T>(T* source, long sampleStride, int count, int channels, int plane, T* destination)
        where T : unmanaged
    {
        long width = (long)count * plane;
        for (int s = 0; s < count; s++)
        for (int c = 0; c < channels; c++)
            new ReadOnlySpan<T>(source + s * sampleStride + (long)c * plane, plane)
                .CopyTo(new Span<T>(destination + c * width + (long)s * plane, plane));
    }
}
