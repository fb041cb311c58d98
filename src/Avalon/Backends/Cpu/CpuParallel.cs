namespace Avalon.Backends.Cpu;

/// <summary>
/// The CPU backend's thread budget and its one parallel loop. Kernels split work with
/// <see cref="For"/> so that a single setting (<see cref="Avalon.Threads.Count"/>) governs them all.
/// </summary>
internal static class CpuParallel
{
    private static int s_threads = Environment.ProcessorCount;

    /// <summary>How many threads kernels may use (at least 1).</summary>
    public static int Threads
    {
        get => s_threads;
        set => s_threads = Math.Max(1, value);
    }

    /// <summary>
    /// Runs <paramref name="body"/> for every index in [0, <paramref name="count"/>), spread over at most
    /// <see cref="Threads"/> threads. Runs inline when one thread is allowed or there is one item.
    /// </summary>
    public static void For(int count, Action<int> body)
    {
        if (count <= 0) return;
        int threads = Math.Min(s_threads, count);
        if (threads <= 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }
}
