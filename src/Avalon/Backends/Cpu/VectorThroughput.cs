using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu;

/// <summary>
/// How many times more float multiply-adds per second the machine's 512-bit vectors do than its 256-bit ones:
/// about 2 on cores with 512-bit units, about 1 where a 512-bit operation runs as two 256-bit halves (AMD's
/// Zen 4). A kernel whose 512-bit layout wastes lanes that a 256-bit one would not uses this to choose its width.
/// </summary>
/// <remarks>
/// Measured once, on first use, on the calling thread: the same loop of twelve independent multiply-add chains at
/// both widths, the best of five rounds of each (13 µs and 27 µs on a Zen 4 core, whose reading is 1.00), so a round cut by the
/// scheduler does not count. 1 where 512-bit vectors are not accelerated. The choice it feeds must not change
/// results, only speed: a noisy reading may pick the slower width, never other bits.
/// </remarks>
internal static class VectorThroughput
{
    private const int Iterations = 8192;
    private const int Rounds = 5;

    private static readonly Lazy<double> s_wideGain = new(Measure, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>512-bit multiply-adds per second (in elements) over 256-bit ones; 1 without 512-bit vectors.</summary>
    public static double WideGain => s_wideGain.Value;

    private static double Measure()
    {
        if (!Vector512.IsHardwareAccelerated || !Vector256.IsHardwareAccelerated) return 1;
        long narrow = long.MaxValue, wide = long.MaxValue;
        float sink = 0;
        for (int r = 0; r < Rounds; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            sink += Loop256(Iterations);
            long t1 = Stopwatch.GetTimestamp();
            sink += Loop512(Iterations);
            long t2 = Stopwatch.GetTimestamp();
            narrow = Math.Min(narrow, t1 - t0);
            wide = Math.Min(wide, t2 - t1);
        }
        GC.KeepAlive(sink);
        // Elements per tick: the 512-bit loop does twice the elements of the 256-bit one in its time.
        return wide <= 0 ? 1 : Math.Clamp(2.0 * narrow / wide, 0.5, 4);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop256(int iterations)
    {
        Vector256<float> m = Vector256.Create(0.999999f), c = Vector256.Create(1e-7f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector256<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, c); a1 = Vector256.FusedMultiplyAdd(a1, m, c);
            a2 = Vector256.FusedMultiplyAdd(a2, m, c); a3 = Vector256.FusedMultiplyAdd(a3, m, c);
            a4 = Vector256.FusedMultiplyAdd(a4, m, c); a5 = Vector256.FusedMultiplyAdd(a5, m, c);
            a6 = Vector256.FusedMultiplyAdd(a6, m, c); a7 = Vector256.FusedMultiplyAdd(a7, m, c);
            a8 = Vector256.FusedMultiplyAdd(a8, m, c); a9 = Vector256.FusedMultiplyAdd(a9, m, c);
            a10 = Vector256.FusedMultiplyAdd(a10, m, c); a11 = Vector256.FusedMultiplyAdd(a11, m, c);
        }
        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop512(int iterations)
    {
        Vector512<float> m = Vector512.Create(0.999999f), c = Vector512.Create(1e-7f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0;
        Vector512<float> a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, c); a1 = Vector512.FusedMultiplyAdd(a1, m, c);
            a2 = Vector512.FusedMultiplyAdd(a2, m, c); a3 = Vector512.FusedMultiplyAdd(a3, m, c);
            a4 = Vector512.FusedMultiplyAdd(a4, m, c); a5 = Vector512.FusedMultiplyAdd(a5, m, c);
            a6 = Vector512.FusedMultiplyAdd(a6, m, c); a7 = Vector512.FusedMultiplyAdd(a7, m, c);
            a8 = Vector512.FusedMultiplyAdd(a8, m, c); a9 = Vector512.FusedMultiplyAdd(a9, m, c);
            a10 = Vector512.FusedMultiplyAdd(a10, m, c); a11 = Vector512.FusedMultiplyAdd(a11, m, c);
        }
        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
