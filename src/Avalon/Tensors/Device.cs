namespace Avalon;

/// <summary>The kind of device a tensor lives on.</summary>
public enum DeviceType
{
    /// <summary>Host memory, computed by the managed CPU backend.</summary>
    Cpu,
    /// <summary>An NVIDIA GPU (backend not yet available in this build).</summary>
    Cuda,
    /// <summary>
    /// A device of a backend defined outside Avalon (PyTorch's <c>privateuseone</c>): register it with
    /// <see cref="Backends.Backend.Register"/>.
    /// </summary>
    PrivateUse1,
}

/// <summary>Where a tensor's storage lives (PyTorch's <c>torch.device</c>).</summary>
/// <param name="Type">The device kind.</param>
/// <param name="Index">The device ordinal (0 for the CPU).</param>
public readonly record struct Device(DeviceType Type, int Index = 0)
{
    /// <summary>The host CPU.</summary>
    public static Device Cpu => new(DeviceType.Cpu);

    /// <summary>The first CUDA GPU.</summary>
    public static Device Cuda => new(DeviceType.Cuda);

    /// <inheritdoc />
    public override string ToString() => Type switch
    {
        DeviceType.Cpu => "cpu",
        DeviceType.Cuda => $"cuda:{Index}",
        _ => $"privateuseone:{Index}",
    };
}
