using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Avalon.Backends.Cpu;

/// <summary>
/// 6×(2 vectors) micro-kernel over <see cref="Vector512{T}"/> with FMA: 6×32 for float, 6×16 for
/// double. The same register plan as <see cref="GemmMicroKernel256{T}"/> at twice the width; AVX-512
/// has 32 vector registers, so the 15 in use leave room for the JIT.
/// </summary>
internal readonly unsafe struct GemmMicroKernel512<T> : IGemmMicroKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const int Rows = 6;

    public static int Mr => Rows;

    public static int Nr => 2 * Vector512<T>.Count;

    public static bool IsSupported =>
        Vector512.IsHardwareAccelerated && Avx512F.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta)
    {
        int w = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector512<T> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector512<T> b0 = Vector512.Load(b);
            Vector512<T> b1 = Vector512.Load(b + w);
            Vector512<T> ai = Vector512.Create(a[0]);
            c00 = MulAdd(ai, b0, c00);
            c01 = MulAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = MulAdd(ai, b0, c10);
            c11 = MulAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = MulAdd(ai, b0, c20);
            c21 = MulAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = MulAdd(ai, b0, c30);
            c31 = MulAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = MulAdd(ai, b0, c40);
            c41 = MulAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = MulAdd(ai, b0, c50);
            c51 = MulAdd(ai, b1, c51);
            a += Rows;
            b += 2 * w;
        }

        Vector512<T> va = Vector512.Create(alpha);
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
            Vector512<T> vb = Vector512.Create(beta);
            MergeRow(c, w, c00 * va, c01 * va, vb);
            MergeRow(c += ldc, w, c10 * va, c11 * va, vb);
            MergeRow(c += ldc, w, c20 * va, c21 * va, vb);
            MergeRow(c += ldc, w, c30 * va, c31 * va, vb);
            MergeRow(c += ldc, w, c40 * va, c41 * va, vb);
            MergeRow(c + ldc, w, c50 * va, c51 * va, vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, int w, Vector512<T> x0, Vector512<T> x1)
    {
        x0.Store(c);
        x1.Store(c + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MergeRow(T* c, int w, Vector512<T> x0, Vector512<T> x1, Vector512<T> beta)
    {
        MulAdd(beta, Vector512.Load(c), x0).Store(c);
        MulAdd(beta, Vector512.Load(c + w), x1).Store(c + w);
    }

    /// <summary>x * y + acc with one rounding; the type tests fold away when T is known.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> MulAdd(Vector512<T> x, Vector512<T> y, Vector512<T> acc)
    {
        if (typeof(T) == typeof(float))
            return Avx512F.FusedMultiplyAdd(x.AsSingle(), y.AsSingle(), acc.AsSingle()).As<float, T>();
        if (typeof(T) == typeof(double))
            return Avx512F.FusedMultiplyAdd(x.AsDouble(), y.AsDouble(), acc.AsDouble()).As<double, T>();
        return x * y + acc;
    }
}
