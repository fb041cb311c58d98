using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Avalon.Cli.Bench;

/// <summary>
/// Measures the machine's float32 fused multiply-add throughput on the spot: every thread runs chains of
/// independent FMAs on the widest vector the runtime accelerates (Vector512, else Vector256, else
/// Vector128), enough independent accumulators to hide the FMA latency, so the result is the peak a
/// kernel could reach, against which a benchmark's GFLOP/s can be read. Each FMA counts two operations.
/// Where the processor has no FMA (or it is switched off), a separate multiply and add on Vector128 is
/// timed instead (<see cref="HardwareFma"/> says which).
/// </summary>
internal static class FmaPeak
{
    private const int Accumulators = 12;

    /// <summary>The widest vector width in use, in bits (512, 256 or 128; 0 when no vector is accelerated).</summary>
    public static int VectorBits =>
        Vector512.IsHardwareAccelerated ? 512 : Vector256.IsHardwareAccelerated ? 256 : Vector128.IsHardwareAccelerated ? 128 : 0;

    /// <summary>
    /// The best of <paramref name="rounds"/> short rounds of <paramref name="iterations"/> FMA steps run
    /// together on <paramref name="threads"/> threads: GFLOP/s over all threads. Short rounds, best taken,
    /// so a busy machine's time slices are not counted as the processor's speed.
    /// </summary>
    public static double Measure(int threads, int iterations = 100_000, int rounds = 100)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "at least one thread.");
        if (iterations < 1 || rounds < 1) throw new ArgumentOutOfRangeException(nameof(rounds), rounds, "at least one round of one iteration.");
        Loop(1000, 1f); // JIT the loop before timing it
        using var barrier = new Barrier(threads + 1);
        var sinks = new float[threads];
        var workers = new Thread[threads];
        for (int i = 0; i < threads; i++)
        {
            int index = i;
            workers[i] = new Thread(() =>
            {
                for (int r = 0; r < rounds; r++)
                {
                    barrier.SignalAndWait();
                    sinks[index] += Loop(iterations, 1f + index * 1e-7f);
                    barrier.SignalAndWait();
                }
            }) { IsBackground = true, Name = "fma-peak-" + i };
            workers[i].Start();
        }
        double best = double.MaxValue;
        for (int r = 0; r < rounds; r++)
        {
            long t0 = Stopwatch.GetTimestamp();
            barrier.SignalAndWait();
            barrier.SignalAndWait();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }
        foreach (Thread w in workers) w.Join();
        if (sinks.Any(float.IsNaN)) throw new InvalidOperationException("FMA peak: the loop produced NaN.");
        return 2.0 * Accumulators * Lanes * iterations * threads / best / 1e9;
    }

    private static int Lanes => !HardwareFma ? 4 : VectorBits switch { 512 => 16, 256 => 8, 128 => 4, _ => 1 };

    /// <summary>Whether the processor (as the runtime is configured) fuses multiply-adds; without it the loop runs a multiply and an add.</summary>
    public static bool HardwareFma => System.Runtime.Intrinsics.X86.Fma.IsSupported || System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported;

    private static float Loop(int iterations, float seed) => !HardwareFma ? Loop128MulAdd(iterations, seed) : VectorBits switch
    {
        512 => Avalon.Backends.Cpu.VectorThroughput.Loop512(iterations, seed),
        256 => Avalon.Backends.Cpu.VectorThroughput.Loop256(iterations, seed),
        128 => Loop128(iterations, seed),
        _ => LoopScalar(iterations, seed),
    };


    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop128(int iterations, float seed)
    {
        var a = Vector128.Create(0.999999f);
        var b = Vector128.Create(1e-6f);
        Vector128<float> x0 = Vector128.Create(seed), x1 = x0 + b, x2 = x1 + b, x3 = x2 + b, x4 = x3 + b, x5 = x4 + b,
            x6 = x5 + b, x7 = x6 + b, x8 = x7 + b, x9 = x8 + b, x10 = x9 + b, x11 = x10 + b;
        for (int i = 0; i < iterations; i++)
        {
            x0 = Vector128.FusedMultiplyAdd(x0, a, b); x1 = Vector128.FusedMultiplyAdd(x1, a, b);
            x2 = Vector128.FusedMultiplyAdd(x2, a, b); x3 = Vector128.FusedMultiplyAdd(x3, a, b);
            x4 = Vector128.FusedMultiplyAdd(x4, a, b); x5 = Vector128.FusedMultiplyAdd(x5, a, b);
            x6 = Vector128.FusedMultiplyAdd(x6, a, b); x7 = Vector128.FusedMultiplyAdd(x7, a, b);
            x8 = Vector128.FusedMultiplyAdd(x8, a, b); x9 = Vector128.FusedMultiplyAdd(x9, a, b);
            x10 = Vector128.FusedMultiplyAdd(x10, a, b); x11 = Vector128.FusedMultiplyAdd(x11, a, b);
        }
        return Vector128.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }

    // Without hardware FMA the fused form is emulated in software (hundreds of times slower), which is not the
    // machine's arithmetic peak: a separate multiply and add (two operations) is.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Loop128MulAdd(int iterations, float seed)
    {
        var a = Vector128.Create(0.999999f);
        var b = Vector128.Create(1e-6f);
        Vector128<float> x0 = Vector128.Create(seed), x1 = x0 + b, x2 = x1 + b, x3 = x2 + b, x4 = x3 + b, x5 = x4 + b,
            x6 = x5 + b, x7 = x6 + b, x8 = x7 + b, x9 = x8 + b, x10 = x9 + b, x11 = x10 + b;
        for (int i = 0; i < iterations; i++)
        {
            x0 = x0 * a + b; x1 = x1 * a + b; x2 = x2 * a + b; x3 = x3 * a + b; x4 = x4 * a + b; x5 = x5 * a + b;
            x6 = x6 * a + b; x7 = x7 * a + b; x8 = x8 * a + b; x9 = x9 * a + b; x10 = x10 * a + b; x11 = x11 * a + b;
        }
        return Vector128.Sum(x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float LoopScalar(int iterations, float seed)
    {
        float x0 = seed, x1 = seed + 1e-6f, x2 = seed + 2e-6f, x3 = seed + 3e-6f, x4 = seed + 4e-6f, x5 = seed + 5e-6f,
            x6 = seed + 6e-6f, x7 = seed + 7e-6f, x8 = seed + 8e-6f, x9 = seed + 9e-6f, x10 = seed + 1e-5f, x11 = seed + 1.1e-5f;
        for (int i = 0; i < iterations; i++)
        {
            x0 = MathF.FusedMultiplyAdd(x0, 0.999999f, 1e-6f); x1 = MathF.FusedMultiplyAdd(x1, 0.999999f, 1e-6f);
            x2 = MathF.FusedMultiplyAdd(x2, 0.999999f, 1e-6f); x3 = MathF.FusedMultiplyAdd(x3, 0.999999f, 1e-6f);
            x4 = MathF.FusedMultiplyAdd(x4, 0.999999f, 1e-6f); x5 = MathF.FusedMultiplyAdd(x5, 0.999999f, 1e-6f);
            x6 = MathF.FusedMultiplyAdd(x6, 0.999999f, 1e-6f); x7 = MathF.FusedMultiplyAdd(x7, 0.999999f, 1e-6f);
            x8 = MathF.FusedMultiplyAdd(x8, 0.999999f, 1e-6f); x9 = MathF.FusedMultiplyAdd(x9, 0.999999f, 1e-6f);
            x10 = MathF.FusedMultiplyAdd(x10, 0.999999f, 1e-6f); x11 = MathF.FusedMultiplyAdd(x11, 0.999999f, 1e-6f);
        }
        return x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9 + x10 + x11;
    }
}
