using Avalon.Backends.Cpu;

namespace Avalon.Backends;

/// <summary>Finds the backend for a device.</summary>
internal static class Backend
{
    private static readonly Dictionary<DeviceType, Func<int, IBackend>> s_factories = new()
    {
        [DeviceType.Cpu] = _ => CpuBackend.Instance,
    };

    /// <summary>The backend that computes on <paramref name="device"/>.</summary>
    public static IBackend For(Device device)
    {
        if (s_factories.TryGetValue(device.Type, out var factory)) return factory(device.Index);
        throw new NotSupportedException(
            $"No backend is available for device '{device}'. This build supports: {string.Join(", ", s_factories.Keys.Select(k => k.ToString().ToLowerInvariant()))}.");
    }

    /// <summary>Registers the backend for a device kind (used by optional backends such as CUDA).</summary>
    public static void Register(DeviceType type, Func<int, IBackend> factory) => s_factories[type] = factory;
}
