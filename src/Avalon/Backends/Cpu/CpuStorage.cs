namespace Avalon.Backends.Cpu;

/// <summary>Host storage: a managed array reclaimed by the garbage collector (no Dispose needed).</summary>
internal sealed class CpuStorage : Storage
{
    public CpuStorage(Array data, DType dtype) : base(dtype, data.Length) => Data = data;

    /// <summary>The backing array (float[], double[], int[], long[] or bool[] by dtype).</summary>
    public Array Data { get; }

    public override Device Device => Device.Cpu;

    public override IBackend Backend => CpuBackend.Instance;

    /// <summary>The backing array as a span of <typeparamref name="T"/> (must match the dtype).</summary>
    public Span<T> Span<T>() where T : unmanaged => (T[])Data;

    internal override bool TryWriteInt64(int index, long value)
    {
        if (Data is not long[] longs) return false;
        longs[index] = value;
        return true;
    }

    internal override bool TryWriteFloat64(int index, double value)
    {
        if (Data is not double[] doubles) return false;
        doubles[index] = value;
        return true;
    }

    /// <summary>Allocates a zeroed array for the dtype.</summary>
    public static Array NewArray(DType dtype, int length) => dtype switch
    {
        DType.Float32 => new float[length],
        DType.Float64 => new double[length],
        DType.Int32 => new int[length],
        DType.Int64 => new long[length],
        DType.Bool => new bool[length],
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };
}
