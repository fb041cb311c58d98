using Avalon.Backends.Cpu;

namespace Avalon.Backends;

/// <summary>
/// The backends by device type. The managed CPU backend is built in; another backend (CUDA, or one in
/// another assembly) registers a factory with <see cref="Register"/>, which is also where it registers
/// its kernels with the primitives.
/// </summary>
public static class Backend
{
    private static readonly object s_lock = new();
    private static readonly Dictionary<DeviceType, Func<int, IBackend>> s_factories = new()
    {
        [DeviceType.Cpu] = _ => CpuBackend.Instance,
    };
    private static readonly Dictionary<DeviceType, Action> s_kernelRegistrations = new()
    {
        [DeviceType.Cpu] = CpuKernelRegistration.RegisterAll,
    };
    private static readonly HashSet<DeviceType> s_kernelsRegistered = [];
    private static readonly HashSet<DeviceType> s_registering = [];
    private static readonly object s_registrationLock = new();

    /// <summary>The backend that computes on <paramref name="device"/>.</summary>
    /// <exception cref="NotSupportedException">No backend is registered for the device's type.</exception>
    public static IBackend For(Device device)
    {
        Func<int, IBackend>? factory;
        lock (s_lock) s_factories.TryGetValue(device.Type, out factory);
        if (factory is not null) return factory(device.Index);
        throw new NotSupportedException(
            $"No backend is available for device '{device}'. This build has: {string.Join(", ", Registered.Select(k => k.ToString().ToLowerInvariant()))}.");
    }

    /// <summary>The device types with a registered backend.</summary>
    public static IReadOnlyList<DeviceType> Registered
    {
        get { lock (s_lock) return [.. s_factories.Keys]; }
    }

    /// <summary>
    /// Registers (or replaces) the backend for a device type: <paramref name="factory"/> maps a device
    /// index to its backend. The CPU backend cannot be replaced.
    /// </summary>
    /// <param name="type">The device type.</param>
    /// <param name="factory">Maps a device index to its backend.</param>
    /// <param name="registerKernels">
    /// Registers the backend's kernels with the primitives (<see cref="Avalon.Primitives.Primitive.RegisterKernel"/>);
    /// run once, the first time a primitive finds no kernel for this device type.
    /// </param>
    public static void Register(DeviceType type, Func<int, IBackend> factory, Action? registerKernels = null)
    {
        ArgumentNullException.ThrowIfNull(factory);
        if (type == DeviceType.Cpu)
            throw OpErrors.Argument("Backend.Register", "the CPU backend is built in and cannot be replaced; register another device type (e.g. DeviceType.PrivateUse1).");
        lock (s_lock)
        {
            s_factories[type] = factory;
            s_kernelsRegistered.Remove(type);
            if (registerKernels is null) s_kernelRegistrations.Remove(type);
            else s_kernelRegistrations[type] = registerKernels;
        }
    }

    /// <summary>Runs the kernel registration of the backend for <paramref name="type"/> once (a primitive calls it when it finds no kernel).</summary>
    public static void EnsureKernels(DeviceType type)
    {
        lock (s_lock)
        {
            if (s_kernelsRegistered.Contains(type)) return;
        }
        // One registration at a time, and a thread that arrives while another registers waits for it to
        // finish (marking the type done only afterwards), so no caller sees a half-registered backend.
        lock (s_registrationLock)
        {
            Action? register;
            lock (s_lock)
            {
                if (s_kernelsRegistered.Contains(type) || !s_registering.Add(type)) return;
                s_kernelRegistrations.TryGetValue(type, out register);
            }
            try
            {
                register?.Invoke();
                lock (s_lock) s_kernelsRegistered.Add(type);
            }
            finally
            {
                lock (s_lock) s_registering.Remove(type);
            }
        }
    }
}
