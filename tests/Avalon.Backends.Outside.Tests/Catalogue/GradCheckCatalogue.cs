using Avalon.Tests.Primitives.GradCheck;

namespace Avalon.Backends.Outside.Tests.Catalogue;

/// <summary>
/// The grad-check cases of Avalon.Tests (compiled into this assembly from their source files), enumerated
/// under the current default device: inside a <see cref="DeviceScope"/> their inputs and constants are
/// created on that device.
/// </summary>
internal static class GradCheckCatalogue
{
    public static List<GradCheckCase> Cases() =>
        typeof(GradCheckCatalogue).Assembly.GetTypes()
            .Where(t => typeof(IGradCheckCases).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .SelectMany(t => ((IGradCheckCases)Activator.CreateInstance(t)!).Cases())
            .ToList();

    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var c in Cases()) data.Add(c.ToString());
        return data;
    }

    /// <summary>The case named <paramref name="name"/>, built on the CPU and built on <paramref name="device"/>.</summary>
    public static (GradCheckCase Cpu, GradCheckCase OnDevice) Pair(string name, Device device)
    {
        var cpu = Cases().Single(c => c.ToString() == name);
        GradCheckCase onDevice;
        using (new DeviceScope(device)) onDevice = Cases().Single(c => c.ToString() == name);
        return (cpu, onDevice);
    }
}
