using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>
/// The loop skeleton for broadcasting comparisons (T, T) → bool: like <see cref="BinaryLoop"/>, with
/// each vector's lane mask turned into bytes of 0/1 through a lookup table (8 lanes per 64-bit store).
/// </summary>
internal static class CompareLoop
{
    // s_spread[k] holds, in byte i, bit i of k: eight bools from eight mask bits.
    private static readonly ulong[] s_spread = BuildSpread();

    private static ulong[] BuildSpread()
    {
        var table = new ulong[256];
        for (int k = 0; k < 256; k++)
            for (int i = 0; i < 8; i++)
                if ((k >> i & 1) != 0) table[k] |= 1UL << (8 * i);
        return table;
    }

    /// <summary>out = op(a, b) with NumPy broadcasting into the dense bool tensor <paramref name="output"/>.</summary>
    public static void Run<T, TOp>(Tensor a, ReadOnlySpan<T> da, Tensor b, ReadOnlySpan<T> db, Tensor output)
        where T : unmanaged where TOp : ICompareOperator<T>
    {
        var shape = output.Shape.Dims;
        Span<int> sa = shape.Length <= BroadcastStrides.StackRank ? stackalloc int[BroadcastStrides.StackRank] : new int[shape.Length];
        Span<int> sb = shape.Length <= BroadcastStrides.StackRank ? stackalloc int[BroadcastStrides.StackRank] : new int[shape.Length];
        var dout = MemoryMarshal.Cast<bool, byte>(output.CpuSpan<bool>());
        var it = new RowIterator(shape, BroadcastStrides.Into(a, shape, sa), a.Offset, BroadcastStrides.Into(b, shape, sb), b.Offset,
            output.StridesInternal, output.Offset);
        int n = it.RowLength;
        int ra = it.RowStride(0), rb = it.RowStride(1), ro = it.RowStride(2);
        while (it.MoveNext())
            Row<T, TOp>(da.Slice(it.Offset(0)), ra, db.Slice(it.Offset(1)), rb, dout.Slice(it.Offset(2)), ro, n);
    }

    /// <summary>One row: d[i*sd] = op(a[i*sa], b[i*sb]) ? 1 : 0 for i in [0, n).</summary>
    public static void Row<T, TOp>(ReadOnlySpan<T> a, int sa, ReadOnlySpan<T> b, int sb, Span<byte> d, int sd, int n)
        where T : unmanaged where TOp : ICompareOperator<T>
    {
        if (sd == 1 && n > 0)
        {
            if (sa == 1 && sb == 1) { Dense<T, TOp>(a, b, 1, d, n, false); return; }
            if (sa == 1 && sb == 0) { Dense<T, TOp>(a, b, 0, d, n, false); return; }
            if (sa == 0 && sb == 1) { Dense<T, TOp>(b, a, 0, d, n, true); return; }
        }
        for (int i = 0; i < n; i++) d[i * sd] = TOp.Invoke(a[i * sa], b[i * sb]) ? (byte)1 : (byte)0;
    }

    // d[i] = op(a[i], b[i * sb]) with sb ∈ {0, 1}; when swapped, d[i] = op(b[i * sb], a[i]).
    private static void Dense<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, int sb, Span<byte> d, int n, bool swapped)
        where T : unmanaged where TOp : ICompareOperator<T>
    {
        ref T ra = ref MemoryMarshal.GetReference(a);
        ref T rb = ref MemoryMarshal.GetReference(b);
        ref byte rd = ref MemoryMarshal.GetReference(d);
        int i = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var vs = Vector512.Create(b[0]);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var va = Vector512.LoadUnsafe(ref ra, (nuint)i);
                var vb = sb == 1 ? Vector512.LoadUnsafe(ref rb, (nuint)i) : vs;
                var mask = swapped ? TOp.Invoke(vb, va) : TOp.Invoke(va, vb);
                Spread(mask.ExtractMostSignificantBits(), Vector512<T>.Count, ref Unsafe.Add(ref rd, i));
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var vs = Vector256.Create(b[0]);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var va = Vector256.LoadUnsafe(ref ra, (nuint)i);
                var vb = sb == 1 ? Vector256.LoadUnsafe(ref rb, (nuint)i) : vs;
                var mask = swapped ? TOp.Invoke(vb, va) : TOp.Invoke(va, vb);
                Spread(mask.ExtractMostSignificantBits(), Vector256<T>.Count, ref Unsafe.Add(ref rd, i));
            }
        }
        for (; i < n; i++)
        {
            T x = Unsafe.Add(ref ra, i), y = Unsafe.Add(ref rb, i * sb);
            Unsafe.Add(ref rd, i) = (swapped ? TOp.Invoke(y, x) : TOp.Invoke(x, y)) ? (byte)1 : (byte)0;
        }
    }

    // Writes count (a multiple of 4) bytes of 0/1 from the low bits of a lane mask.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Spread(ulong bits, int count, ref byte d)
    {
        int j = 0;
        for (; j + 8 <= count; j += 8)
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, j), s_spread[(int)(bits >> j) & 0xFF]);
        if (j < count)
            Unsafe.WriteUnaligned(ref Unsafe.Add(ref d, j), (uint)s_spread[(int)(bits >> j) & 0xF]);
    }
}
