using Avalon.Backends;

namespace Avalon.Backends.Outside.Tests.Layout;

/// <summary>
/// A backend for <see cref="DeviceType.PrivateUse1"/> written against Avalon's public API only: its own
/// storage (<see cref="LayoutStorage"/>, reversed and widened), allocation, host transfer, strided copy,
/// fill and cast, each counted in <see cref="LayoutCounters"/>. Its kernels are in <see cref="LayoutKernels"/>.
/// </summary>
public sealed class LayoutBackend : IBackend
{
    /// <summary>Creates the backend of one device (an index of <see cref="DeviceType.PrivateUse1"/>).</summary>
    public LayoutBackend(int index) => Device = new Device(DeviceType.PrivateUse1, index);

    /// <inheritdoc />
    public Device Device { get; }

    /// <inheritdoc />
    public Storage Allocate(DType dtype, int length)
    {
        LayoutCounters.CountService(nameof(Allocate));
        return new LayoutStorage(dtype, length, Device, this);
    }

    /// <summary>Fills the storage with garbage (NaN, a bit pattern, 2 for bool), so a kernel that skips an element is caught.</summary>
    public Storage AllocateUninitialized(DType dtype, int length)
    {
        LayoutCounters.CountService(nameof(AllocateUninitialized));
        var storage = new LayoutStorage(dtype, length, Device, this);
        switch (storage.Data)
        {
            case double[] d: Array.Fill(d, double.NaN); break;
            case long[] l: Array.Fill(l, 0x5A5A5A5A5A5A5A5AL); break;
            case byte[] b: Array.Fill(b, (byte)2); break;
        }
        return storage;
    }

    /// <inheritdoc />
    public Storage FromHost(Array data, DType dtype)
    {
        ArgumentNullException.ThrowIfNull(data);
        LayoutCounters.CountService(nameof(FromHost));
        if (data.GetType().GetElementType() != dtype.ClrType())
            throw new ArgumentException($"FromHost: array of {data.GetType().GetElementType()?.Name} does not match dtype {dtype.Name()}.");
        var storage = new LayoutStorage(dtype, data.Length, Device, this);
        switch (data)
        {
            case float[] f: for (int i = 0; i < f.Length; i++) storage.SetDouble(i, f[i]); break;
            case double[] d: for (int i = 0; i < d.Length; i++) storage.SetDouble(i, d[i]); break;
            case int[] n: for (int i = 0; i < n.Length; i++) storage.SetLong(i, n[i]); break;
            case long[] l: for (int i = 0; i < l.Length; i++) storage.SetLong(i, l[i]); break;
            case bool[] b: for (int i = 0; i < b.Length; i++) storage.SetByte(i, b[i] ? (byte)1 : (byte)0); break;
        }
        return storage;
    }

    /// <inheritdoc />
    public Array ToHost(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        LayoutCounters.CountService(nameof(ToHost));
        return Read(tensor);
    }

    /// <summary>Writes a dense host array into <paramref name="dst"/> (any strides, on this device): what kernels use for their outputs.</summary>
    public void WriteHost(Array data, Tensor dst)
    {
        LayoutCounters.CountService(nameof(WriteHost));
        Write(data, dst);
    }

    /// <inheritdoc />
    public void Copy(Tensor src, Tensor dst)
    {
        LayoutCounters.CountService(nameof(Copy));
        if (src.Shape != dst.Shape || src.DType != dst.DType)
            throw new ArgumentException($"LayoutBackend.Copy: {src.DType.Name()}{src.Shape} into {dst.DType.Name()}{dst.Shape}.");
        // Read everything first, so overlapping source and destination behave as a copy.
        Write(Read(src), dst);
    }

    /// <inheritdoc />
    public void Fill(Tensor dst, double value)
    {
        LayoutCounters.CountService(nameof(Fill));
        var storage = Own(dst);
        var positions = StridedIndex.Of(dst);
        switch (dst.DType)
        {
            case DType.Float32: foreach (int p in positions) storage.SetDouble(p, (float)value); break;
            case DType.Float64: foreach (int p in positions) storage.SetDouble(p, value); break;
            case DType.Int32: foreach (int p in positions) storage.SetLong(p, checked((int)value)); break;
            case DType.Int64: foreach (int p in positions) storage.SetLong(p, checked((long)value)); break;
            case DType.Bool: foreach (int p in positions) storage.SetByte(p, value != 0 ? (byte)1 : (byte)0); break;
        }
    }

    /// <summary>
    /// The values converted on the host with the CPU backend's cast (the seam's definition of PyTorch's
    /// cast semantics), then uploaded: the conversion arithmetic is not what this backend proves.
    /// </summary>
    public Tensor Cast(Tensor src, DType dtype)
    {
        LayoutCounters.CountService(nameof(Cast));
        var host = Tensor.OverStorage(Backend.For(Device.Cpu).FromHost(Read(src), src.DType), src.Shape.ToArray());
        var converted = Backend.For(Device.Cpu).Cast(host, dtype);
        return Tensor.OverStorage(FromHost(Backend.For(Device.Cpu).ToHost(converted), dtype), src.Shape.ToArray());
    }

    private LayoutStorage Own(Tensor t) =>
        t.Storage as LayoutStorage is { } s && ReferenceEquals(s.Backend, this) ? s
        : throw new ArgumentException($"LayoutBackend({Device}): the tensor {t.DType.Name()}{t.Shape} is on {t.Device}, not on this device.");

    private Array Read(Tensor tensor)
    {
        var storage = Own(tensor);
        var positions = StridedIndex.Of(tensor);
        int n = positions.Length;
        switch (tensor.DType)
        {
            case DType.Float32: { var a = new float[n]; for (int i = 0; i < n; i++) a[i] = (float)storage.GetDouble(positions[i]); return a; }
            case DType.Float64: { var a = new double[n]; for (int i = 0; i < n; i++) a[i] = storage.GetDouble(positions[i]); return a; }
            case DType.Int32: { var a = new int[n]; for (int i = 0; i < n; i++) a[i] = (int)storage.GetLong(positions[i]); return a; }
            case DType.Int64: { var a = new long[n]; for (int i = 0; i < n; i++) a[i] = storage.GetLong(positions[i]); return a; }
            case DType.Bool: { var a = new bool[n]; for (int i = 0; i < n; i++) a[i] = storage.GetByte(positions[i]) != 0; return a; }
            default: throw new NotSupportedException($"LayoutBackend: dtype {tensor.DType.Name()} is not supported.");
        }
    }

    private void Write(Array data, Tensor dst)
    {
        var storage = Own(dst);
        var positions = StridedIndex.Of(dst);
        if (data.Length != positions.Length)
            throw new ArgumentException($"LayoutBackend: {data.Length} host values for {dst.DType.Name()}{dst.Shape}.");
        switch (data)
        {
            case float[] f when dst.DType == DType.Float32: for (int i = 0; i < f.Length; i++) storage.SetDouble(positions[i], f[i]); break;
            case double[] d when dst.DType == DType.Float64: for (int i = 0; i < d.Length; i++) storage.SetDouble(positions[i], d[i]); break;
            case int[] n when dst.DType == DType.Int32: for (int i = 0; i < n.Length; i++) storage.SetLong(positions[i], n[i]); break;
            case long[] l when dst.DType == DType.Int64: for (int i = 0; i < l.Length; i++) storage.SetLong(positions[i], l[i]); break;
            case bool[] b when dst.DType == DType.Bool: for (int i = 0; i < b.Length; i++) storage.SetByte(positions[i], b[i] ? (byte)1 : (byte)0); break;
            default: throw new ArgumentException($"LayoutBackend: a host {data.GetType().Name} cannot be written into {dst.DType.Name()}{dst.Shape}.");
        }
    }
}
