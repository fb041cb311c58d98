using Avalon.Backends.Cpu;

namespace Avalon;

/// <summary>Controls how many threads Avalon's CPU kernels use (like <c>torch.set_num_threads</c>).</summary>
public static class Threads
{
    /// <summary>The number of threads CPU kernels may use; defaults to the processor count.</summary>
    public static int Count
    {
        get => CpuParallel.Threads;
        set => CpuParallel.Threads = value;
    }
}
