namespace Avalon.Backends.Cpu.Pooling;

/// <summary>
/// Splits independent (n, c) planes into contiguous ranges over <see cref="CpuParallel"/>; small problems
/// run inline because a parallel loop costs more than they do.
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
        CpuParallel.For(chunks, i => body((int)((long)i * planes / chunks), (int)((long)(i + 1) * planes / chunks)));
    }
}
