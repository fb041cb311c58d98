namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>
/// How the elementwise loops split a large output across <see cref="CpuParallel"/>: into fixed chunks
/// of <see cref="ChunkElements"/> elements (the last one takes the remainder), independent of the
/// thread count, so that the result is bitwise the same for any <see cref="Avalon.Threads.Count"/>.
/// </summary>
internal static class ElementwiseParallel
{
    /// <summary>
    /// Outputs of at least this many elements are split. Measured on a 2-core x86 machine (AVX2; float32,
    /// best of 3000 calls, one thread): add costs about 0.45 ns and exp about 1.05 ns per element
    /// (29.5 and 68 µs at 64K elements), and handing work to a second thread costs about 7–11 µs (2 threads
    /// minus 1 thread at 8K–16K elements, where the work itself is negligible). Splitting in two saves half
    /// the work, so it pays from about 2 × 8 µs / 0.45 ns ≈ 35K elements for add (≈ 15K for exp); the
    /// threshold is twice that for add, the cheapest operation, so that no operation gets slower.
    /// (That machine was shared and never had its second core idle, so 2 threads did not beat 1 there at
    /// any size; the figure is derived from the single-thread costs and the hand-off cost.)
    /// </summary>
    public const int Threshold = 64 * 1024;

    /// <summary>Elements per chunk: a multiple of every vector width, so only the last chunk has a scalar tail.</summary>
    public const int ChunkElements = 16 * 1024;

    /// <summary>Whether an output of <paramref name="total"/> elements is split.</summary>
    public static bool ShouldSplit(long total) => total >= Threshold;

    /// <summary>The number of chunks for <paramref name="total"/> elements (at least 1).</summary>
    public static int ChunkCount(long total) => (int)Math.Max(1, total / ChunkElements);

    /// <summary>The element range [start, end) of chunk <paramref name="chunk"/> of <paramref name="chunks"/>.</summary>
    public static (long Start, long End) ChunkRange(int chunk, int chunks, long total)
    {
        long start = (long)chunk * ChunkElements;
        return (start, chunk == chunks - 1 ? total : start + ChunkElements);
    }
}
