using System.Collections.Concurrent;

namespace Avalon.Backends.Outside.Tests.Layout;

/// <summary>
/// What <see cref="LayoutBackend"/> was asked to do, counted since the process started: each device
/// service by name, and each kernel by primitive name. Tests run in parallel, so a test compares counts
/// taken before and after its own work (counts only grow).
/// </summary>
public static class LayoutCounters
{
    private static readonly ConcurrentDictionary<string, long> s_services = new();
    private static readonly ConcurrentDictionary<string, long> s_kernels = new();

    /// <summary>How often the device service <paramref name="name"/> (e.g. <c>FromHost</c>) ran.</summary>
    public static long Service(string name) => s_services.GetValueOrDefault(name);

    /// <summary>How often the kernel of primitive <paramref name="primitive"/> ran on the layout device.</summary>
    public static long Kernel(string primitive) => s_kernels.GetValueOrDefault(primitive);

    /// <summary>Every primitive whose kernel ran at least once on the layout device.</summary>
    public static IReadOnlyCollection<string> KernelsRun => [.. s_kernels.Keys];

    internal static void CountService(string name) => s_services.AddOrUpdate(name, 1, (_, n) => n + 1);

    internal static void CountKernel(string primitive) => s_kernels.AddOrUpdate(primitive, 1, (_, n) => n + 1);
}
