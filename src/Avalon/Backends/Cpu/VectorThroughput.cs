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
            sink += Loop256(Iterations, 1f);
            long t1 = Stopwatch.GetTimestamp();
            sink += Loop512(Iterations, 1f);
            long t2 = Stopwatch.GetTimestamp();
            narrow = Math.Min(narrow, t1 - t0);
            wide = Math.Min(wide, t2 - t1);
        }
        GC.KeepAlive(sink);
        // Elements per tick: the 512-bit loop does twice the elements of the 256-bit one in its time.
        return wide <= 0 ? 1 : Math.Clamp(2.0 * narrow / wide, 0.5, 4);
    }

    // Twelve independent chains x ← x·a + b (the FMA-peak loop of `avalon bench` too);
    // x ← x·a + b with a just below 1 and b small keeps every accumulator bounded (no overflow, no subnormals).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static float Loop512(int iterations, float seed)
    {
        var a = Vector512.Create(0.999999f);
        var b = Vector512.Create(1e-6f);
        Vector512<float> x0 = Vector512.Create(seed), x1 = x0 + b, x2 = x1 + b, x3 = x2 + b, x4 = x3 + b, x5 = x4 + b,
            x6 = x5 + b, x7 = x6 + b, x8 = x7 + b, x9 = x8 + b, x10 = x9 + b, x11 = x10 + b;
        for (int i = 0; i < iterations; i++)
        {
            x0 = Vector512.FusedMultiplyAdd(x0, a, b); x1 = Vector512.FusedMultiplyAdd(x1, a, b);
            x2 = Vector512.FusedMultiplyAdd(x2, a, b); x3 = Vector512.FusedMultiplyAdd(x3, a, b);
            x4 = Vector512.FusedMultiplyAdd(x4, a, b); x5 = Vector512.FusedMultiplyAdd(x5, a, b);
            x6 = Vector512.FusedMultiplyAdd(x6, a, b); x7 = Vector512.FusedMultiplyAdd(x7, a, b);
            x8 = Vector512.FusedMultiplyAdd(x8, a, b); x9 = Vector512.FusedMultiplyAdd(x9, a, b);
            x10 = Vector512.FusedMultiplyAdd(x10, a, b); x11 = Vector512.FusedMultiplyAdd(x11, a, b);
        }
        return Vector512.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static float Loop256(int iterations, float seed)
    {
        var a = Vector256.Create(0.999999f);
        var b = Vector256.Create(1e-6f);
        Vector256<float> x0 = Vector256.Create(seed), x1 = x0 + b, x2 = x1 + b, x3 = x2 + b, x4 = x3 + b, x5 = x4 + b,
            x6 = x5 + b, x7 = x6 + b, x8 = x7 + b, x9 = x8 + b, x10 = x9 + b, x11 = x10 + b;
        for (int i = 0; i < iterations; i++)
        {
            x0 = Vector256.FusedMultiplyAdd(x0, a, b); x1 = Vector256.FusedMultiplyAdd(x1, a, b);
            x2 = Vector256.FusedMultiplyAdd(x2, a, b); x3 = Vector256.FusedMultiplyAdd(x3, a, b);
            x4 = Vector256.FusedMultiplyAdd(x4, a, b); x5 = Vector256.FusedMultiplyAdd(x5, a, b);
            x6 = Vector256.FusedMultiplyAdd(x6, a, b); x7 = Vector256.FusedMultiplyAdd(x7, a, b);
            x8 = Vector256.FusedMultiplyAdd(x8, a, b); x9 = Vector256.FusedMultiplyAdd(x9, a, b);
            x10 = Vector256.FusedMultiplyAdd(x10, a, b); x11 = Vector256.FusedMultiplyAdd(x11, a, b);
        }
        return Vector256.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }
}
