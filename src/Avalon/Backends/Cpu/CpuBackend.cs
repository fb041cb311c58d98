namespace Avalon.Backends.Cpu;

/// <summary>The managed CPU backend's device services (allocation, copies, fills, casts).</summary>
internal sealed class CpuBackend : IBackend
{
    /// <summary>The single CPU backend.</summary>
    public static readonly CpuBackend Instance = new();

    private CpuBackend() { }

    public Device Device => Device.Cpu;

    public Storage Allocate(DType dtype, int length) => new CpuStorage(CpuStorage.NewArray(dtype, length), dtype);

    /// <summary>
    /// Allocates a storage whose elements are unspecified, for outputs a kernel writes in full
    /// (see <see cref="Memory.UninitializedArrays"/>).
    /// </summary>
    public Storage AllocateUninitialized(DType dtype, int length) =>
        new CpuStorage(Memory.UninitializedArrays.Allocate(dtype, length), dtype);

    public Storage FromHost(Array data, DType dtype)
    {
        if (data.GetType().GetElementType() != dtype.ClrType())
            throw new ArgumentException($"FromHost: array of {data.GetType().GetElementType()?.Name} does not match dtype {dtype.Name()}.");
        return new CpuStorage(data, dtype);
    }

    public Array ToHost(Tensor tensor)
    {
        var dense = Tensor.Uninitialized(tensor.Shape.Dims, tensor.DType, Device.Cpu);
        Copy(tensor, dense);
        return ((CpuStorage)dense.Storage).Data;
    }

    public void Copy(Tensor src, Tensor dst)
    {
        switch (src.DType)
        {
            case DType.Float32: CopyTyped<float>(src, dst); break;
            case DType.Float64: CopyTyped<double>(src, dst); break;
            case DType.Int32: CopyTyped<int>(src, dst); break;
            case DType.Int64: CopyTyped<long>(src, dst); break;
            case DType.Bool: CopyTyped<bool>(src, dst); break;
        }
    }

    private static void CopyTyped<T>(Tensor src, Tensor dst) where T : unmanaged
    {
        var s = src.CpuSpan<T>();
        var d = dst.CpuSpan<T>();
        var it = new RowIterator(src.Shape.Dims, [src.StridesInternal, dst.StridesInternal], [src.Offset, dst.Offset]);
        int n = it.RowLength;
        int ss = it.RowStrides[0], ds = it.RowStrides[1];
        while (it.MoveNext())
        {
            int so = it.Offsets[0], dof = it.Offsets[1];
            if (ss == 1 && ds == 1) s.Slice(so, n).CopyTo(d.Slice(dof, n));
            else if (ss == 0) d.Slice(dof, n).Fill(s[so]);
            else
                for (int i = 0; i < n; i++) d[dof + i * ds] = s[so + i * ss];
        }
    }

    public void Fill(Tensor dst, double value)
    {
        switch (dst.DType)
        {
            case DType.Float32: FillTyped(dst, (float)value); break;
            case DType.Float64: FillTyped(dst, value); break;
            case DType.Int32: FillTyped(dst, checked((int)value)); break;
            case DType.Int64: FillTyped(dst, checked((long)value)); break;
            case DType.Bool: FillTyped(dst, value != 0); break;
        }
    }

    private static void FillTyped<T>(Tensor dst, T value) where T : unmanaged
    {
        var d = dst.CpuSpan<T>();
        var it = new RowIterator(dst.Shape.Dims, [dst.StridesInternal], [dst.Offset]);
        int n = it.RowLength, ds = it.RowStrides[0];
        while (it.MoveNext())
        {
            int o = it.Offsets[0];
            if (ds == 1) d.Slice(o, n).Fill(value);
            else for (int i = 0; i < n; i++) d[o + i * ds] = value;
        }
    }

    public Tensor Cast(Tensor src, DType dtype)
    {
        var result = Tensor.Uninitialized(src.Shape.Dims, dtype, Device.Cpu);
        CastInto(src, result);
        return result;
    }

    /// <summary>
    /// Converts <paramref name="src"/> (any strides) into the dense tensor <paramref name="dst"/> of the same
    /// shape, writing every element from its offset; the kernel of the <c>convert</c> primitive.
    /// </summary>
    public static void CastInto(Tensor src, Tensor dst)
    {
        var dense = src.IsContiguous ? src : src.ContiguousNoGrad();
        int n = src.Numel;
        var from = ((CpuStorage)dense.Storage).Data;
        int off = dense.Offset;
        var to = ((CpuStorage)dst.Storage).Data;
        int o = dst.Offset;
        switch (to)
        {
            case float[] f: for (int i = 0; i < n; i++) f[o + i] = (float)ReadDouble(from, off + i); break;
            case double[] d: for (int i = 0; i < n; i++) d[o + i] = ReadDouble(from, off + i); break;
            case int[] a: for (int i = 0; i < n; i++) a[o + i] = (int)ReadLong(from, off + i); break;
            case long[] l: for (int i = 0; i < n; i++) l[o + i] = ReadLong(from, off + i); break;
            case bool[] b: for (int i = 0; i < n; i++) b[o + i] = ReadDouble(from, off + i) != 0; break;
        }
    }

    private static double ReadDouble(Array a, int i) => a switch
    {
        float[] f => f[i],
        double[] d => d[i],
        int[] x => x[i],
        long[] l => l[i],
        bool[] b => b[i] ? 1 : 0,
        _ => throw new InvalidOperationException(),
    };

    private static long ReadLong(Array a, int i) => a switch
    {
        float[] f => (long)f[i],
        double[] d => (long)d[i],
        int[] x => x[i],
        long[] l => l[i],
        bool[] b => b[i] ? 1 : 0,
        _ => throw new InvalidOperationException(),
    };
}
