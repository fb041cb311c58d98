using Avalon.Backends.Outside.Tests.Catalogue;
using Avalon.Backends.Outside.Tests.Layout;
using Avalon.Primitives;

namespace Avalon.Backends.Outside.Tests;

/// <summary>
/// Every registered primitive ran on the layout device: runs the whole grad-check catalogue and the
/// forward-only cases on it (with their CPU comparisons), then checks the layout backend's kernel
/// counters for every primitive it computes itself, and the cases run for the device-neutral ones
/// (views, in-place primitives built on functional ones, and <c>to_device</c>).
/// </summary>
public class CoverageTests
{
    [Fact]
    public void EveryRegisteredPrimitiveRanOnTheOutsideBackend()
    {
        var cpuCases = GradCheckCatalogue.Cases();
        var deviceCases = Parity.OnDevice(GradCheckCatalogue.Cases);
        var covered = new HashSet<string>();
        for (int i = 0; i < cpuCases.Count; i++)
        {
            PrimitiveParityTests.Run(cpuCases[i], deviceCases[i]);
            covered.Add(cpuCases[i].Primitive);
        }
        foreach (var c in ForwardCases.All())
        {
            ForwardParityTests.Run(c);
            covered.Add(c.Primitive);
        }

        var kernelBacked = LayoutKernels.KernelBacked().Select(p => p.Name).ToHashSet();
        var noKernelCall = kernelBacked.Where(name => LayoutCounters.Kernel(name) == 0).Order().ToList();
        Assert.True(noKernelCall.Count == 0, "Primitives whose kernel never ran on the outside backend: " + string.Join(", ", noKernelCall));

        var deviceNeutral = PrimitiveRegistry.All.Where(p => !p.IsUserDefined && !kernelBacked.Contains(p.Name)).Select(p => p.Name);
        var noCase = deviceNeutral.Where(name => !covered.Contains(name)).Order().ToList();
        Assert.True(noCase.Count == 0, "Device-neutral primitives with no case run on the outside backend: " + string.Join(", ", noCase));
    }
}
