using Avalon.Backends.Cpu;

namespace Avalon;

/// <summary>Controls how many threads Avalon's CPU kernels use (like <c>torch.set_num_threads</c>).</summary>
public static class Threads
{
    /// <summary>
    /// The number of threads CPU kernels may use; defaults to the processor count. Results do not depend
    /// on it: the same inputs (and the same seed) give bitwise the same outputs with any thread count. (A CPU
    /// with other vector instructions, AVX-512 against AVX2, may still round some operations differently.)
    /// </summary>
    public static int Count
    {
        get => CpuParallel.Threads;
        set => CpuParallel.Threads = value;
    }
}
