namespace Avalon.Backends.Cpu;

/// <summary>
/// The CPU backend's thread budget and its one parallel loop. Kernels split work with
/// <see cref="For"/> so that a single setting (<see cref="Avalon.Threads.Count"/>) governs them all.
/// </summary>
/// <remarks>
/// The loop runs on the backend's own worker team (<see cref="GemmThreadTeam"/>), whose threads take
/// indices from a shared counter, so a call whose body is a cached delegate allocates nothing: no
/// closure, no loop options, no thread-pool bookkeeping. Only when the team is already busy (a loop
/// started from inside another, or from a second caller thread at the same time) does it fall back to
/// <see cref="Parallel.For(int, int, ParallelOptions, Action{int})"/>.
/// </remarks>
internal static class CpuParallel
{
    private static int s_threads = Environment.ProcessorCount;

    [ThreadStatic]
    private static LoopState? t_loop;

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

        LoopState loop = t_loop ??= new LoopState();
        if (!loop.Active)
        {
            loop.Active = true;
            loop.Body = body;
            loop.Count = count;
            loop.Next = 0;
            try
            {
                if (GemmThreadTeam.TryRun(threads, loop.Worker)) return;
            }
            finally
            {
                loop.Body = null;
                loop.Active = false;
            }
        }

        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    /// <summary>One calling thread's loop: the body, the item count and the next item to hand out.</summary>
    private sealed class LoopState
    {
        public readonly Action<int> Worker;
        public Action<int>? Body;
        public int Count, Next;
        public bool Active;

        public LoopState() => Worker = Work;

        /// <summary>One team thread's share: items taken one at a time until none is left.</summary>
        private void Work(int worker)
        {
            Action<int> body = Body!;
            int item;
            while ((item = Interlocked.Increment(ref Next) - 1) < Count) body(item);
        }
    }
}
