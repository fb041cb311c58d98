namespace Avalon;

/// <summary>
/// A scope in which creation functions and new modules put their tensors on a device (PyTorch's
/// <c>with torch.device("cuda"):</c>): <c>using (new DeviceScope(device)) { ... }</c> sets
/// <see cref="Tensor.DefaultDevice"/> on this thread until disposed; scopes nest.
/// </summary>
public readonly struct DeviceScope : IDisposable
{
    private readonly Device _previous;

    /// <summary>Enters the scope: <paramref name="device"/> becomes the default device on this thread.</summary>
    public DeviceScope(Device device)
    {
        _previous = Tensor.DefaultDevice;
        Tensor.DefaultDevice = device;
    }

    /// <summary>Leaves the scope, restoring the default device it found.</summary>
    public void Dispose() => Tensor.DefaultDevice = _previous;
}
