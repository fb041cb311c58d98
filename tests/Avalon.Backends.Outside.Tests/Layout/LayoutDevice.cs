namespace Avalon.Backends.Outside.Tests.Layout;

/// <summary>Registers <see cref="LayoutBackend"/> as the backend of <see cref="DeviceType.PrivateUse1"/> (once per process).</summary>
public static class LayoutDevice
{
    private static readonly Lazy<Device> s_device = new(() =>
    {
        var backends = new System.Collections.Concurrent.ConcurrentDictionary<int, LayoutBackend>();
        Backend.Register(DeviceType.PrivateUse1, index => backends.GetOrAdd(index, i => new LayoutBackend(i)), LayoutKernels.RegisterAll);
        return new Device(DeviceType.PrivateUse1, 0);
    });

    /// <summary>The layout device (<c>privateuseone:0</c>), registered on first use.</summary>
    public static Device Device => s_device.Value;
}
