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
            throw OpErrors.Argument("FromHost", $"array of {data.GetType().GetElementType()?.Name} does not match dtype {dtype.Name()}.");
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
        var visitor = new CopyVisitor(src, dst);
        DTypeDispatch.Any(src.DType, ref visitor, "copy");
    }

    private readonly struct CopyVisitor(Tensor src, Tensor dst) : IElementVisitor
    {
        public void Visit<T>() where T : unmanaged => CopyTyped<T>(src, dst);
    }

    private static void CopyTyped<T>(Tensor src, Tensor dst) where T : unmanaged
    {
        var s = src.CpuSpan<T>();
        var d = dst.CpuSpan<T>();
        var it = new RowIterator(src.Shape.Dims, src.StridesInternal, src.Offset, dst.StridesInternal, dst.Offset);
        int n = it.RowLength;
        int ss = it.RowStride(0), ds = it.RowStride(1);
        while (it.MoveNext())
        {
            int so = it.Offset(0), dof = it.Offset(1);
            if (ss == 1 && ds == 1) s.Slice(so, n).CopyTo(d.Slice(dof, n));
            else if (ss == 0 && ds == 1) d.Slice(dof, n).Fill(s[so]);
            else
                for (int i = 0; i < n; i++) d[dof + i * ds] = s[so + i * ss];
        }
    }

    public void Fill(Tensor dst, double value)
    {
        // Deliberately specialised (not DTypeDispatch's visitor): each dtype converts the value its own way.
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
        var it = new RowIterator(dst.Shape.Dims, dst.StridesInternal, dst.Offset);
        int n = it.RowLength, ds = it.RowStride(0);
        while (it.MoveNext())
        {
            int o = it.Offset(0);
            if (ds == 1) d.Slice(o, n).Fill(value);
            else for (int i = 0; i < n; i++) d[o + i * ds] = value;
        }
    }

    /// <summary>A dense copy of <paramref name="src"/> converted to <paramref name="dtype"/>, with PyTorch's cast semantics (see <see cref="CastKernel"/>).</summary>
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
        CastKernel.Convert(((CpuStorage)dense.Storage).Data, dense.Offset, ((CpuStorage)dst.Storage).Data, dst.Offset, src.Numel);
    }
}
