namespace Avalon.Backends.Cpu.Pooling;

/// <summary>
/// Splits independent (n, c) planes into contiguous ranges over <see cref="CpuParallel"/>; small problems
/// run inline because a parallel loop costs more than they do. The split itself allocates nothing: one
/// range loop per calling thread, with its delegate, is reused.
/// </summary>
internal static class PlaneParallel
{
    /// <summary>Below this many element visits a problem runs on the calling thread.</summary>
    private const long InlineWork = 1 << 15;

    /// <summary>Calls <paramref name="body"/>(first, end) over ranges that together cover [0, planes).</summary>
    public static void For(int planes, long workPerPlane, Action<int, int> body)
    {
        if (planes <= 0) return;
        int chunks = Math.Min(planes, CpuParallel.Threads * 4);
        if (chunks <= 1 || planes * Math.Max(1, workPerPlane) < InlineWork)
        {
            body(0, planes);
            return;
        }

        var loop = RangeLoop.Rent();
        (loop.Range, loop.Planes, loop.Chunks) = (body, planes, chunks);
        try
        {
            CpuParallel.For(chunks, loop.Body);
        }
        finally
        {
            loop.Range = null;
            loop.Return();
        }
    }

    /// <summary>Chunk i of the planes, handed to the range body.</summary>
    private sealed class RangeLoop : ReusableJob<RangeLoop>
    {
        public readonly Action<int> Body;
        public Action<int, int>? Range;
        public int Planes, Chunks;

        public RangeLoop() => Body = Execute;

        private void Execute(int i) =>
            Range!((int)((long)i * Planes / Chunks), (int)((long)(i + 1) * Planes / Chunks));
    }
}
