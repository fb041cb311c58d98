using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Avalon.Backends.Cpu;

/// <summary>
/// 6×(2 vectors) micro-kernel over <see cref="Vector256{T}"/> with FMA: 6×16 for float, 6×8 for
/// double. Twelve accumulators, two B loads and six broadcasts per step of k fill 15 of the 16 ymm
/// registers, and twelve independent FMA chains hide the FMA latency on two pipes.
/// </summary>
internal readonly unsafe struct GemmMicroKernel256<T> : IGemmMicroKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const int Rows = 6;

    public static int Mr => Rows;

    public static int Nr => 2 * Vector256<T>.Count;

    public static bool IsSupported =>
        Vector256.IsHardwareAccelerated && Fma.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta)
    {
        int w = Vector256<T>.Count;
        Vector256<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector256<T> b0 = Vector256.Load(b);
            Vector256<T> b1 = Vector256.Load(b + w);
            Vector256<T> ai = Vector256.Create(a[0]);
            c00 = MulAdd(ai, b0, c00);
            c01 = MulAdd(ai, b1, c01);
            ai = Vector256.Create(a[1]);
            c10 = MulAdd(ai, b0, c10);
            c11 = MulAdd(ai, b1, c11);
            ai = Vector256.Create(a[2]);
            c20 = MulAdd(ai, b0, c20);
            c21 = MulAdd(ai, b1, c21);
            ai = Vector256.Create(a[3]);
            c30 = MulAdd(ai, b0, c30);
            c31 = MulAdd(ai, b1, c31);
            ai = Vector256.Create(a[4]);
            c40 = MulAdd(ai, b0, c40);
            c41 = MulAdd(ai, b1, c41);
            ai = Vector256.Create(a[5]);
            c50 = MulAdd(ai, b0, c50);
            c51 = MulAdd(ai, b1, c51);
            a += Rows;
            b += 2 * w;
        }

        Vector256<T> va = Vector256.Create(alpha);
        if (beta == T.Zero)
        {
            StoreRow(c, w, c00 * va, c01 * va);
            StoreRow(c += ldc, w, c10 * va, c11 * va);
            StoreRow(c += ldc, w, c20 * va, c21 * va);
            StoreRow(c += ldc, w, c30 * va, c31 * va);
            StoreRow(c += ldc, w, c40 * va, c41 * va);
            StoreRow(c + ldc, w, c50 * va, c51 * va);
        }
        else
        {
            Vector256<T> vb = Vector256.Create(beta);
            MergeRow(c, w, c00 * va, c01 * va, vb);
            MergeRow(c += ldc, w, c10 * va, c11 * va, vb);
            MergeRow(c += ldc, w, c20 * va, c21 * va, vb);
            MergeRow(c += ldc, w, c30 * va, c31 * va, vb);
            MergeRow(c += ldc, w, c40 * va, c41 * va, vb);
            MergeRow(c + ldc, w, c50 * va, c51 * va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, int w, Vector256<T> x0, Vector256<T> x1)
    {
        x0.Store(c);
        x1.Store(c + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MergeRow(T* c, int w, Vector256<T> x0, Vector256<T> x1, Vector256<T> beta)
    {
        MulAdd(beta, Vector256.Load(c), x0).Store(c);
        MulAdd(beta, Vector256.Load(c + w), x1).Store(c + w);
    }

    /// <summary>x * y + acc with one rounding; the type tests fold away when T is known.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> MulAdd(Vector256<T> x, Vector256<T> y, Vector256<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Fma.MultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Fma.MultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        return x * y + acc;
    }
}
