using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Avalon.Backends.Cpu.Elementwise;

namespace Avalon.Backends.Cpu;

/// <summary>
/// Dense dtype conversion with PyTorch's cast semantics, vectorised through TensorPrimitives:
/// <list type="bullet">
/// <item>floating point → integer truncates toward zero (2.7 → 2, -2.7 → -2);</item>
/// <item>integer narrowing (int64 → int32) keeps the low bits (wraps), as a C++ static_cast;</item>
/// <item>to floating point rounds to nearest (int64 → float32, float64 → float32; overflow gives ±Inf);</item>
/// <item>bool → number gives 0 or 1; number → bool is "nonzero" (NaN is true, -0.0 is false).</item>
/// </list>
/// Where PyTorch's result is undefined (NaN, ±Inf or an out-of-range float to an integer dtype), the
/// result is .NET's saturating conversion: NaN → 0, values beyond the range → the nearest of MinValue
/// and MaxValue (PyTorch on x86 usually gives MinValue there).
/// </summary>
internal static class CastKernel
{
    /// <summary>Writes <paramref name="count"/> elements of <paramref name="source"/> (from <paramref name="offset"/>) into the start of <paramref name="destination"/>.</summary>
    public static void Convert(Array source, int offset, Array destination, int count) => Convert(source, offset, destination, 0, count);

    /// <summary>Writes <paramref name="count"/> elements of <paramref name="source"/> (from <paramref name="offset"/>) into <paramref name="destination"/> from <paramref name="destinationOffset"/>.</summary>
    public static void Convert(Array source, int offset, Array destination, int destinationOffset, int count)
    {
        int o = destinationOffset;
        switch (source)
        {
            case float[] f: From<float>(f.AsSpan(offset, count), destination, o); break;
            case double[] d: From<double>(d.AsSpan(offset, count), destination, o); break;
            case int[] i: From<int>(i.AsSpan(offset, count), destination, o); break;
            case long[] l: From<long>(l.AsSpan(offset, count), destination, o); break;
            case bool[] b:
                var bytes = MemoryMarshal.Cast<bool, byte>(b.AsSpan(offset, count));
                if (destination is bool[] bd) bytes.CopyTo(MemoryMarshal.Cast<bool, byte>(bd.AsSpan(o, count)));
                else From<byte>(bytes, destination, o);
                break;
            default: throw OpErrors.NotSupported("cast", $"unsupported source storage {source.GetType().Name}.");
        }
    }

    private static void From<TFrom>(ReadOnlySpan<TFrom> x, Array destination, int o)
        where TFrom : unmanaged, INumber<TFrom>
    {
        int n = x.Length;
        switch (destination)
        {
            case float[] f: To(x, f.AsSpan(o, n)); break;
            case double[] d: To(x, d.AsSpan(o, n)); break;
            case int[] i: To(x, i.AsSpan(o, n)); break;
            case long[] l: To(x, l.AsSpan(o, n)); break;
            case bool[] b:
                // nonzero → true: a vectorised x != 0 against a broadcast zero.
                ReadOnlySpan<TFrom> zero = [TFrom.Zero];
                if (n > 0) CompareLoop.Row<TFrom, NotEqualOperator<TFrom>>(x, 1, zero, 0, MemoryMarshal.Cast<bool, byte>(b.AsSpan(o, n)), 1, n);
                break;
            default: throw OpErrors.NotSupported("cast", $"unsupported destination storage {destination.GetType().Name}.");
        }
    }

    private static void To<TFrom, TTo>(ReadOnlySpan<TFrom> x, Span<TTo> y)
        where TFrom : unmanaged, INumber<TFrom> where TTo : unmanaged, INumber<TTo>
    {
        if (typeof(TFrom) == typeof(TTo))
        {
            MemoryMarshal.Cast<TFrom, TTo>(x).CopyTo(y);
            return;
        }
        if (typeof(TFrom) == typeof(double) && typeof(TTo) == typeof(long))
        {
            // TensorPrimitives' float64 → int64 is about 2.5× slower than the scalar cast without
            // AVX-512 (measured 22 vs 8 ns per element); the semantics are the same.
            var d = MemoryMarshal.Cast<TFrom, double>(x);
            var l = MemoryMarshal.Cast<TTo, long>(y);
            for (int i = 0; i < d.Length; i++) l[i] = (long)d[i];
            return;
        }
        // Truncating: fraction dropped toward zero and integers narrowed bitwise, as PyTorch; float → int
        // saturates out of range in .NET 9 and later (NaN → 0).
        TensorPrimitives.ConvertTruncating(x, y);
    }
}
