using Avalon.Primitives;

namespace Avalon.Backends.Outside.Tests.Layout;

/// <summary>
/// The kernels of <see cref="LayoutBackend"/>: one generic kernel per registered primitive that has a CPU
/// kernel. It brings the inputs to the host with the owning backend's public <see cref="IBackend.ToHost"/>,
/// builds CPU tensors over them, runs <see cref="Primitive.Compute"/> on the CPU, and writes the results
/// into the output buffers it was given (at their offsets). An in-place primitive's mutated inputs are
/// written back into the device tensors it was called with. Each call is counted in <see cref="LayoutCounters"/>.
/// </summary>
public static class LayoutKernels
{
    /// <summary>
    /// Registers the generic kernel with every primitive that has a CPU kernel and none for
    /// <see cref="DeviceType.PrivateUse1"/> yet (views and in-place primitives built on functional ones are
    /// device-neutral and need none; <c>to_device</c> comes with its own). Runs once, from
    /// <see cref="Backend.EnsureKernels"/>; primitives registered later get no kernel here.
    /// </summary>
    public static void RegisterAll()
    {
        Backend.EnsureKernels(DeviceType.Cpu);
        foreach (var primitive in PrimitiveRegistry.All)
            if (primitive is not ViewPrimitive && primitive.HasKernel(DeviceType.Cpu) && !primitive.HasKernel(DeviceType.PrivateUse1))
                primitive.RegisterKernel(DeviceType.PrivateUse1, Generic(primitive));
    }

    /// <summary>The primitives <see cref="RegisterAll"/> gives a kernel (those the layout device computes itself).</summary>
    public static IEnumerable<Primitive> KernelBacked() =>
        PrimitiveRegistry.All.Where(p => p is not ViewPrimitive && p.HasKernel(DeviceType.Cpu) && p.Name != "to_device");

    private static Kernel Generic(Primitive primitive) => (inputs, attributes, outputs) =>
    {
        LayoutCounters.CountKernel(primitive.Name);
        var hostInputs = Array.ConvertAll(inputs, ToCpu);
        var hostOutputs = Array.ConvertAll(outputs, o => Tensor.Zeros(o.Shape.ToArray(), o.DType, Device.Cpu));
        // The CPU computation must not follow a device scope the caller opened.
        using (new DeviceScope(Device.Cpu))
            primitive.Compute(hostInputs, attributes, hostOutputs);
        for (int k = 0; k < outputs.Length; k++)
            WriteBack(hostOutputs[k], outputs[k]);
        foreach (int m in primitive.Effects.MutatedInputs)
            if (!outputs.Any(o => ReferenceEquals(o, inputs[m])))
                WriteBack(hostInputs[m], inputs[m]);
    };

    // The whole storage comes to the host and the CPU tensor keeps the input's strides and offset, so the
    // CPU kernel takes the same (strided or dense) path, and rounds the same, as it does for CPU inputs.
    private static Tensor ToCpu(Tensor t)
    {
        var whole = Tensor.OverStorage(t.Storage, [t.Storage.Length]);
        var host = t.Storage.Backend.ToHost(whole);
        return Tensor.OverStorage(Backend.For(Device.Cpu).FromHost(host, t.DType), t.Shape.ToArray(), t.Strides, t.Offset);
    }

    private static void WriteBack(Tensor host, Tensor target)
    {
        var values = Backend.For(Device.Cpu).ToHost(host);
        if (target.Storage.Backend is LayoutBackend layout) layout.WriteHost(values, target);
        else throw new InvalidOperationException($"LayoutKernels: an output on {target.Device} reached the layout device's kernel.");
    }
}
