namespace Avalon.Primitives.Devices;

/// <summary>The primitives that move values between devices.</summary>
[PrimitiveSet]
internal static class DevicePrimitives
{
    /// <summary><c>to_device(x; device)</c>: a dense copy of x on another device (PyTorch's <c>Tensor.to(device)</c>).</summary>
    public static readonly ToDevicePrimitive ToDevice = new();
}
