using System.Diagnostics;

namespace Avalon.Backends.Cpu;

/// <summary>
/// A few dedicated background threads that run one body on several threads at once, for GEMM calls
/// of a millisecond or so, where a round trip through the thread pool costs a noticeable share.
/// After a job a worker polls briefly for the next one (back-to-back products find it awake), then
/// sleeps on a monitor, so an idle team costs nothing. Each worker's index is offered to it, and
/// the caller takes back any index whose worker has not claimed it by the time the caller's own
/// share is done, so a worker that wakes late (say, its core is busy) delays no one. One caller at a
/// time: a caller that finds the team busy (including a call from inside a job) falls back to
/// <see cref="CpuParallel.For"/>. <see cref="CpuParallel.For"/> itself runs on this team too.
/// </summary>
internal sealed class GemmThreadTeam
{
    private const int Idle = 0, Offered = 1, Claimed = 2;

    /// <summary>How long a worker polls for the next job before it sleeps (200 µs).</summary>
    private static readonly long s_pollTicks = Stopwatch.Frequency / 5000;

    private static readonly object s_growLock = new();
    private static GemmThreadTeam? s_shared;

    private readonly object _gate = new();
    private readonly int[] _slots;
    private int _busy, _generation, _sleepers;
    private Action<int>? _body;
    private Exception? _error;

    private GemmThreadTeam(int workers)
    {
        // Slot 0 is the caller's; slots 1..workers belong to the worker threads.
        _slots = new int[workers + 1];
        for (int i = 1; i <= workers; i++)
        {
            int index = i;
            new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"Avalon GEMM worker {index}" }.Start();
        }
    }

    /// <summary>
    /// Runs <paramref name="body"/>(i) for every i in [0, <paramref name="count"/>) and returns when
    /// all have returned. At most <see cref="CpuParallel.Threads"/> run at once: the caller runs
    /// index 0, team workers the next ones, and the caller whatever is left after its own.
    /// </summary>
    public static void Run(int count, Action<int> body)
    {
        int threads = Math.Min(count, CpuParallel.Threads);
        if (threads <= 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }

        if (!TryRun(count, body)) CpuParallel.For(count, body);
    }

    /// <summary>
    /// As <see cref="Run"/>, but returns false without running anything when the team is busy (another
    /// caller's job, or a call from inside a job), so that the caller can choose its own fallback.
    /// </summary>
    public static bool TryRun(int count, Action<int> body)
    {
        int threads = Math.Min(count, CpuParallel.Threads);
        if (threads <= 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return true;
        }

        GemmThreadTeam team = Team(threads - 1);
        if (Interlocked.CompareExchange(ref team._busy, 1, 0) != 0) return false;
        try
        {
            team.RunJob(threads, count, body);
        }
        finally
        {
            Volatile.Write(ref team._busy, 0);
        }

        return true;
    }

    private void RunJob(int threads, int count, Action<int> body)
    {
        _body = body;
        _error = null;
        for (int i = 1; i < threads; i++) Volatile.Write(ref _slots[i], Offered);
        Interlocked.Increment(ref _generation);
        if (Volatile.Read(ref _sleepers) > 0)
            lock (_gate) Monitor.PulseAll(_gate);

        try
        {
            body(0);
            // Indices no worker has claimed yet are the caller's now.
            for (int i = 1; i < threads; i++)
                if (Interlocked.CompareExchange(ref _slots[i], Idle, Offered) == Offered) body(i);
            for (int i = threads; i < count; i++) body(i);
        }
        finally
        {
            for (int i = 1; i < threads; i++)
            {
                Interlocked.CompareExchange(ref _slots[i], Idle, Offered);
                SpinWait spin = default;
                while (Volatile.Read(ref _slots[i]) != Idle) spin.SpinOnce(sleep1Threshold: -1);
            }

            _body = null;
        }

        if (_error is { } error) throw new AggregateException(error);
    }

    /// <summary>The shared team, replaced by a larger one when a caller needs more workers than it has.</summary>
    private static GemmThreadTeam Team(int workers)
    {
        GemmThreadTeam? team = Volatile.Read(ref s_shared);
        if (team is not null && team._slots.Length > workers) return team;
        lock (s_growLock)
        {
            team = s_shared;
            if (team is null || team._slots.Length <= workers)
            {
                // The workers of a replaced team are never offered work again and stay asleep; this
                // happens only when the thread budget is raised.
                team = new GemmThreadTeam(workers);
                Volatile.Write(ref s_shared, team);
            }

            return team;
        }
    }

    private void WorkerLoop(int index)
    {
        int seen = 0;
        while (true)
        {
            long start = Stopwatch.GetTimestamp();
            SpinWait spin = default;
            while (Volatile.Read(ref _generation) == seen)
            {
                if (Stopwatch.GetTimestamp() - start < s_pollTicks)
                {
                    spin.SpinOnce(sleep1Threshold: -1);
                    continue;
                }

                lock (_gate)
                {
                    Interlocked.Increment(ref _sleepers);
                    while (Volatile.Read(ref _generation) == seen) Monitor.Wait(_gate);
                    Interlocked.Decrement(ref _sleepers);
                }
            }

            seen = Volatile.Read(ref _generation);
            if (Interlocked.CompareExchange(ref _slots[index], Claimed, Offered) != Offered) continue;
            try
            {
                _body!(index);
            }
            catch (Exception e)
            {
                _error = e;
            }
            finally
            {
                Volatile.Write(ref _slots[index], Idle);
            }
        }
    }
}
