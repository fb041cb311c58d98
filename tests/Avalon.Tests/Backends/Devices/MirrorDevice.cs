using Avalon.Backends;
using Avalon.Primitives;

namespace Avalon.Tests.Backends.Devices;

/// <summary>
/// A second device for the seam tests of this assembly: <see cref="DeviceType.PrivateUse1"/> backed by CPU
/// arrays behind a storage of its own, so a tensor on it is not a CPU tensor (mixing the two in one call is
/// an error, and CPU kernels cannot take it), while its kernels run the CPU kernels over views of the same
/// memory. Registered once per process; the full outside-backend proof lives in Avalon.Backends.Outside.Tests.
/// </summary>
internal static class MirrorDevice
{
    private static readonly Lazy<Device> s_device = new(() =>
    {
        var backend = new MirrorBackend();
        Backend.Register(DeviceType.PrivateUse1, _ => backend, RegisterKernels);
        return backend.Device;
    });

    /// <summary>The mirror device, registered on first use.</summary>
    public static Device Device => s_device.Value;

    /// <summary>The CPU view of a mirror tensor (the same elements).</summary>
    public static Tensor CpuView(Tensor t) => t.Storage is MirrorStorage m
        ? Tensor.OverStorage(m.Inner, t.Shape.ToArray(), t.Strides, t.Offset)
        : throw new ArgumentException($"MirrorDevice: the tensor is on {t.Device}.");

    private static void RegisterKernels()
    {
        Backend.EnsureKernels(DeviceType.Cpu);
        foreach (var p in PrimitiveRegistry.All)
            if (p is not ViewPrimitive && p.HasKernel(DeviceType.Cpu) && !p.HasKernel(DeviceType.PrivateUse1))
            {
                var primitive = p;
                p.RegisterKernel(DeviceType.PrivateUse1, (inputs, attributes, outputs) =>
                    primitive.Compute(Array.ConvertAll(inputs, CpuView), attributes, Array.ConvertAll(outputs, CpuView)));
            }
    }

    private sealed class MirrorStorage(Storage inner, MirrorBackend backend) : Storage(inner.DType, inner.Length)
    {
        public Storage Inner { get; } = inner;

        public override Device Device => backend.Device;

        public override IBackend Backend => backend;
    }

    private sealed class MirrorBackend : IBackend
    {
        private static IBackend Cpu => Backend.For(Device.Cpu);

        public Device Device { get; } = new(DeviceType.PrivateUse1);

        public Storage Allocate(DType dtype, int length) => new MirrorStorage(Cpu.Allocate(dtype, length), this);

        public Storage AllocateUninitialized(DType dtype, int length) => new MirrorStorage(Cpu.AllocateUninitialized(dtype, length), this);

        public Storage FromHost(Array data, DType dtype) => new MirrorStorage(Cpu.FromHost((Array)data.Clone(), dtype), this);

        public Array ToHost(Tensor tensor) => Cpu.ToHost(CpuView(tensor));

        public void Copy(Tensor src, Tensor dst) => Cpu.Copy(CpuView(src), CpuView(dst));

        public void Fill(Tensor dst, double value) => Cpu.Fill(CpuView(dst), value);

        public Tensor Cast(Tensor src, DType dtype)
        {
            var converted = Cpu.Cast(CpuView(src), dtype);
            return Tensor.OverStorage(new MirrorStorage(converted.Storage, this), converted.Shape.ToArray());
        }
    }
}
