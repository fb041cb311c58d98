using Avalon.Backends.Outside.Tests.Layout;

namespace Avalon.Backends.Outside.Tests;

/// <summary>Comparisons of a value computed on the layout device with the same value computed on the CPU.</summary>
internal static class Parity
{
    /// <summary>The layout device (registered on first use).</summary>
    public static Device Device => LayoutDevice.Device;

    /// <summary>Runs <paramref name="f"/> with the layout device as the default device on this thread.</summary>
    public static T OnDevice<T>(Func<T> f)
    {
        using (new DeviceScope(Device)) return f();
    }

    /// <summary>Runs <paramref name="f"/> with <paramref name="device"/> as the default device on this thread.</summary>
    public static T OnDeviceOr<T>(Device device, Func<T> f)
    {
        using (new DeviceScope(device)) return f();
    }

    /// <summary>
    /// Asserts that <paramref name="onDevice"/> lives on the layout device and equals <paramref name="onCpu"/>:
    /// same shape and dtype, and values bitwise equal (NaN matches NaN) unless a <paramref name="tolerance"/>
    /// (relative) is given. The device runs the CPU's kernels on host copies of its storages with the same
    /// strides and offsets, so the results are bitwise the CPU's.
    /// </summary>
    public static void AssertMatches(Tensor onCpu, Tensor onDevice, string what, double tolerance = 0)
    {
        Assert.True(onCpu.Device == Avalon.Device.Cpu, $"{what}: the reference is on {onCpu.Device}, not the CPU.");
        Assert.True(onDevice.Device == Device, $"{what}: the result is on {onDevice.Device}, expected {Device}.");
        Assert.True(onCpu.Shape == onDevice.Shape && onCpu.DType == onDevice.DType,
            $"{what}: {onDevice.DType.Name()}{onDevice.Shape} on the device, {onCpu.DType.Name()}{onCpu.Shape} on the CPU.");
        var expected = onCpu.ToDoubleArray();
        var actual = onDevice.ToDoubleArray();
        double tol = tolerance;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (e.Equals(a)) continue;
            Assert.True(Math.Abs(e - a) <= tol * (1 + Math.Abs(e)),
                $"{what}: element {i} is {a:R} on the device and {e:R} on the CPU.");
        }
    }
}
