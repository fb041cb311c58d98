using Avalon.Backends;

namespace Avalon.Backends.Outside.Tests.Layout;

/// <summary>
/// The storage of <see cref="LayoutBackend"/>: the elements in another layout than the CPU's. Element i
/// of the storage (what a tensor's offset and strides address) lives at position <c>Length - 1 - i</c>, and
/// values are widened: float32 and float64 as double, int32 and int64 as long, bool as a byte (0 or 1).
/// So no CPU kernel could read it by accident, and every value crosses the seam through the backend.
/// </summary>
public sealed class LayoutStorage : Storage
{
    internal LayoutStorage(DType dtype, int length, Device device, LayoutBackend backend) : base(dtype, length)
    {
        Device = device;
        Backend = backend;
        Data = dtype switch
        {
            DType.Float32 or DType.Float64 => new double[length],
            DType.Int32 or DType.Int64 => new long[length],
            DType.Bool => new byte[length],
            _ => throw new NotSupportedException($"LayoutStorage: dtype {dtype.Name()} is not supported."),
        };
    }

    /// <inheritdoc />
    public override Device Device { get; }

    /// <inheritdoc />
    public override IBackend Backend { get; }

    /// <summary>The elements, reversed and widened (double[], long[] or byte[]).</summary>
    internal Array Data { get; }

    /// <summary>Where storage element <paramref name="index"/> lives in <see cref="Data"/>.</summary>
    internal int Physical(int index) => Length - 1 - index;

    /// <summary>Storage element <paramref name="index"/>, widened to double (for floats) or long (for integers and bool).</summary>
    internal double GetDouble(int index) => ((double[])Data)[Physical(index)];

    internal long GetLong(int index) => ((long[])Data)[Physical(index)];

    internal byte GetByte(int index) => ((byte[])Data)[Physical(index)];

    internal void SetDouble(int index, double value) => ((double[])Data)[Physical(index)] = value;

    internal void SetLong(int index, long value) => ((long[])Data)[Physical(index)] = value;

    internal void SetByte(int index, byte value) => ((byte[])Data)[Physical(index)] = value;
}
