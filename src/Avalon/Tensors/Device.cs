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

    /// <summary>
    /// The device a name denotes, as <see cref="ToString"/> prints it (PyTorch's <c>torch.device("cuda:1")</c>):
    /// <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c>, <c>privateuseone</c> or <c>privateuseone:N</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not one of those.</exception>
    public static Device Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        int colon = name.IndexOf(':');
        string kind = colon < 0 ? name : name[..colon];
        int index = 0;
        if (colon >= 0 && !(int.TryParse(name.AsSpan(colon + 1), System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out index)))
            throw OpErrors.Argument("device", $"expected a device index after ':' in '{name}', e.g. 'cuda:0'.", nameof(name));
        return kind switch
        {
            "cpu" when index == 0 => Cpu,
            "cuda" => new Device(DeviceType.Cuda, index),
            "privateuseone" => new Device(DeviceType.PrivateUse1, index),
            _ => throw OpErrors.Argument("device", $"expected 'cpu', 'cuda[:N]' or 'privateuseone[:N]', got '{name}'.", nameof(name)),
        };
    }

    /// <inheritdoc />
    public override string ToString() => Type switch
    {
        DeviceType.Cpu => "cpu",
        DeviceType.Cuda => $"cuda:{Index}",
        _ => $"privateuseone:{Index}",
    };
}
