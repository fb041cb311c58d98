using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>The loop skeleton for dense unary functions: the widest vector path, then a scalar tail.</summary>
internal static class UnaryLoop
{
    /// <summary>y[i] = op(x[i]) for dense spans of equal length.</summary>
    public static void Run<T, TOp>(ReadOnlySpan<T> x, Span<T> y)
        where T : unmanaged where TOp : IUnaryOperator<T>
    {
        if (x.Length != y.Length) throw OpErrors.Argument("UnaryLoop", "source and destination lengths differ.");
        ref T rx = ref MemoryMarshal.GetReference(x);
        ref T ry = ref MemoryMarshal.GetReference(y);
        int n = x.Length, i = 0;
        if (TOp.Vectorized)
        {
            if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
            {
                for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                    TOp.Invoke(Vector512.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
            else if (Vector256.IsHardwareAccelerated)
            {
                for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                    TOp.Invoke(Vector256.LoadUnsafe(ref rx, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        for (; i < n; i++) Unsafe.Add(ref ry, i) = TOp.Invoke(Unsafe.Add(ref rx, i));
    }
}
