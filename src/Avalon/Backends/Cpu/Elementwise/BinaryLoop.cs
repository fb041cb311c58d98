using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>
/// The one loop skeleton for broadcasting binary operations: walks the output row by row and, per row,
/// runs the widest vector path that fits the operands' row strides (dense/dense, dense/scalar,
/// scalar/dense), falling back to a strided scalar loop.
/// </summary>
internal static class BinaryLoop
{
    /// <summary>
    /// out = op(a, b) with NumPy broadcasting into <paramref name="output"/>. Outputs of at least
    /// <see cref="ElementwiseParallel.Threshold"/> elements are split into fixed chunks run on
    /// <see cref="CpuParallel"/>; smaller ones run inline and allocate nothing.
    /// </summary>
    public static void Run<T, TOp>(Tensor a, Tensor b, Tensor output)
        where T : unmanaged where TOp : IBinaryOperator<T>
    {
        var shape = output.Shape.Dims;
        Span<int> sa = shape.Length <= BroadcastStrides.StackRank ? stackalloc int[BroadcastStrides.StackRank] : new int[shape.Length];
        Span<int> sb = shape.Length <= BroadcastStrides.StackRank ? stackalloc int[BroadcastStrides.StackRank] : new int[shape.Length];
        var it = new RowIterator(shape, BroadcastStrides.Into(a, shape, sa), a.Offset, BroadcastStrides.Into(b, shape, sb), b.Offset,
            output.StridesInternal, output.Offset);
        long total = it.RowCount * it.RowLength;
        if (!ElementwiseParallel.ShouldSplit(total))
        {
            Walk<T, TOp>(ref it, a.CpuSpan<T>(), b.CpuSpan<T>(), output.CpuSpan<T>(), 0, total);
            return;
        }
        RunSplit<T, TOp>(a, b, output, it, total);
    }

    // A separate method so that the closure is only allocated on the split path.
    private static void RunSplit<T, TOp>(Tensor a, Tensor b, Tensor output, RowIterator walk, long total)
        where T : unmanaged where TOp : IBinaryOperator<T>
    {
        int chunks = ElementwiseParallel.ChunkCount(total);
        CpuParallel.For(chunks, c =>
        {
            var local = walk.Clone();
            var (start, end) = ElementwiseParallel.ChunkRange(c, chunks, total);
            Walk<T, TOp>(ref local, a.CpuSpan<T>(), b.CpuSpan<T>(), output.CpuSpan<T>(), start, end);
        });
    }

    /// <summary>
    /// As <see cref="Run{T, TOp}(Tensor, Tensor, Tensor)"/> over storages given as spans, so that a storage
    /// can be read as another element type of the same size (bool as byte for the logical operators).
    /// Runs on the calling thread.
    /// </summary>
    public static void Run<T, TOp>(Tensor a, ReadOnlySpan<T> da, Tensor b, ReadOnlySpan<T> db, Tensor output, Span<T> dout)
        where T : unmanaged where TOp : IBinaryOperator<T>
    {
        var shape = output.Shape.Dims;
        Span<int> sa = shape.Length <= BroadcastStrides.StackRank ? stackalloc int[BroadcastStrides.StackRank] : new int[shape.Length];
        Span<int> sb = shape.Length <= BroadcastStrides.StackRank ? stackalloc int[BroadcastStrides.StackRank] : new int[shape.Length];
        var it = new RowIterator(shape, BroadcastStrides.Into(a, shape, sa), a.Offset, BroadcastStrides.Into(b, shape, sb), b.Offset,
            output.StridesInternal, output.Offset);
        Walk<T, TOp>(ref it, da, db, dout, 0, it.RowCount * it.RowLength);
    }

    // Elements [start, end) of the walk's row-major order (rows may be split at both ends).
    private static void Walk<T, TOp>(ref RowIterator it, ReadOnlySpan<T> da, ReadOnlySpan<T> db, Span<T> dout, long start, long end)
        where T : unmanaged where TOp : IBinaryOperator<T>
    {
        int n = it.RowLength;
        if (start >= end || n == 0) return;
        int ra = it.RowStride(0), rb = it.RowStride(1), ro = it.RowStride(2);
        int col = (int)(start % n);
        if (start != 0) it.SeekRow(start / n);
        while (start < end && it.MoveNext())
        {
            int len = (int)Math.Min(n - col, end - start);
            Row<T, TOp>(da.Slice(it.Offset(0) + col * ra), ra, db.Slice(it.Offset(1) + col * rb), rb,
                dout.Slice(it.Offset(2) + col * ro), ro, len);
            start += len;
            col = 0;
        }
    }

    /// <summary>One row: d[i*sd] = op(a[i*sa], b[i*sb]) for i in [0, n).</summary>
    public static void Row<T, TOp>(ReadOnlySpan<T> a, int sa, ReadOnlySpan<T> b, int sb, Span<T> d, int sd, int n)
        where T : unmanaged where TOp : IBinaryOperator<T>
    {
        if (sd == 1 && TOp.Vectorized)
        {
            if (sa == 1 && sb == 1) { DenseDense<T, TOp>(a, b, d, n); return; }
            if (sa == 1 && sb == 0) { DenseScalar<T, TOp>(a, b[0], d, n, false); return; }
            if (sa == 0 && sb == 1) { DenseScalar<T, TOp>(b, a[0], d, n, true); return; }
        }
        for (int i = 0; i < n; i++) d[i * sd] = TOp.Invoke(a[i * sa], b[i * sb]);
    }

    private static void DenseDense<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> d, int n)
        where T : unmanaged where TOp : IBinaryOperator<T>
    {
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref MemoryMarshal.GetReference(b);
        ref T rd = ref MemoryMarshal.GetReference(d);
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                TOp.Invoke(Vector512.LoadUnsafe(ref ra, (nuint)i), Vector512.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                TOp.Invoke(Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref rd, i) = TOp.Invoke(Unsafe.Add(ref ra, i), Unsafe.Add(ref rb, i));
    }

    // d = op(a, s) or, when swapped, d = op(s, a).
    private static void DenseScalar<T, TOp>(ReadOnlySpan<T> a, T s, Span<T> d, int n, bool swapped)
        where T : unmanaged where TOp : IBinaryOperator<T>
    {
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rd = ref MemoryMarshal.GetReference(d);
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var vs = Vector512.Create(s);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var va = Vector512.LoadUnsafe(ref ra, (nuint)i);
                (swapped ? TOp.Invoke(vs, va) : TOp.Invoke(va, vs)).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var vs = Vector256.Create(s);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var va = Vector256.LoadUnsafe(ref ra, (nuint)i);
                (swapped ? TOp.Invoke(vs, va) : TOp.Invoke(va, vs)).StoreUnsafe(ref rd, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref rd, i) = swapped ? TOp.Invoke(s, Unsafe.Add(ref ra, i)) : TOp.Invoke(Unsafe.Add(ref ra, i), s);
    }
}
