using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu;

/// <summary>
/// A product with one row (m = 1: a batch-1 linear layer) as a matrix-vector product that reads B where
/// it lies, on the calling thread: no packing (the packed GEMM copies all of B into panels, which for
/// one row costs more than the product itself) and no hand-off to other threads. For a transposed B
/// (a linear layer's weight, stored n×k) each output is a dot product of the row with a contiguous row
/// of B; for a plain B (stored k×n) the row's elements scale B's rows into C (four rows at a time). FMA
/// vectors of the widest accelerated width, the same arithmetic as the micro-kernels (a fused
/// multiply-add per term), in another order of summation. The loops are compiled fully optimised on
/// first use (<see cref="MethodImplOptions.AggressiveOptimization"/>): a batch-1 prediction calls them
/// a few hundred times a second, too rarely for tiered compilation to leave its unoptimised first tier
/// soon (measured: the VAE's batch-1 prediction ran 10× slower until it did).
/// </summary>
internal static unsafe class GemmVector
{
    /// <summary>
    /// Whether <paramref name="p"/> is computed here: one row of C, op(A)'s row contiguous in memory,
    /// k and alpha non-zero (those only scale C), and for a plain B, beta 0 (C is accumulated into).
    /// </summary>
    public static bool Applies<T>(in GemmProblem<T> p) where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        p.M == 1 && p.N > 0 && p.K > 0 && p.Alpha != T.Zero && (!p.TransA || p.Lda == 1 || p.K == 1) && (p.TransB || p.Beta == T.Zero);

    /// <summary>C[0, :] = alpha · A[0, :] · op(B) + beta · C[0, :] (beta 0: C is not read).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T>(in GemmProblem<T> p) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T* x = p.A, c = p.C;
        int n = p.N, k = p.K;
        if (p.TransB)
        {
            for (int j = 0; j < n; j++)
            {
                T dot = Dot(x, p.B + j * p.Ldb, k);
                c[j] = p.Beta == T.Zero ? p.Alpha * dot : p.Alpha * dot + p.Beta * c[j];
            }
            return;
        }
        new Span<T>(c, n).Clear();
        int q = 0;
        for (; q + 4 <= k; q += 4)
            Axpy4(x[q], x[q + 1], x[q + 2], x[q + 3], p.B + q * p.Ldb, p.Ldb, c, n);
        for (; q < k; q++)
            Axpy1(x[q], p.B + q * p.Ldb, c, n);
        if (p.Alpha != T.One)
            for (int j = 0; j < n; j++) c[j] *= p.Alpha;
    }

    // Σ x[i]·y[i] over contiguous x and y.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static T Dot<T>(T* x, T* y, int k) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = 0;
        T sum = T.Zero;
        if (Vector512.IsHardwareAccelerated && k >= Vector512<T>.Count)
        {
            int w = Vector512<T>.Count;
            Vector512<T> a0 = Vector512<T>.Zero, a1 = Vector512<T>.Zero;
            for (; i + 2 * w <= k; i += 2 * w)
            {
                a0 = Fma(Vector512.Load(x + i), Vector512.Load(y + i), a0);
                a1 = Fma(Vector512.Load(x + i + w), Vector512.Load(y + i + w), a1);
            }
            for (; i + w <= k; i += w) a0 = Fma(Vector512.Load(x + i), Vector512.Load(y + i), a0);
            sum = Vector512.Sum(a0 + a1);
        }
        else if (Vector256.IsHardwareAccelerated && k >= Vector256<T>.Count)
        {
            int w = Vector256<T>.Count;
            Vector256<T> a0 = Vector256<T>.Zero, a1 = Vector256<T>.Zero;
            for (; i + 2 * w <= k; i += 2 * w)
            {
                a0 = Fma(Vector256.Load(x + i), Vector256.Load(y + i), a0);
                a1 = Fma(Vector256.Load(x + i + w), Vector256.Load(y + i + w), a1);
            }
            for (; i + w <= k; i += w) a0 = Fma(Vector256.Load(x + i), Vector256.Load(y + i), a0);
            sum = Vector256.Sum(a0 + a1);
        }
        for (; i < k; i++) sum = T.FusedMultiplyAdd(x[i], y[i], sum);
        return sum;
    }

    // c[j] += x0·r[j] + x1·r[ld + j] + x2·r[2ld + j] + x3·r[3ld + j], one fused multiply-add per term, in that order.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Axpy4<T>(T x0, T x1, T x2, T x3, T* r, nint ld, T* c, int n) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T* r1 = r + ld, r2 = r + 2 * ld, r3 = r + 3 * ld;
        int j = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            int w = Vector512<T>.Count;
            Vector512<T> v0 = Vector512.Create(x0), v1 = Vector512.Create(x1), v2 = Vector512.Create(x2), v3 = Vector512.Create(x3);
            for (; j + w <= n; j += w)
            {
                var acc = Vector512.Load(c + j);
                acc = Fma(v0, Vector512.Load(r + j), acc);
                acc = Fma(v1, Vector512.Load(r1 + j), acc);
                acc = Fma(v2, Vector512.Load(r2 + j), acc);
                acc = Fma(v3, Vector512.Load(r3 + j), acc);
                acc.Store(c + j);
            }
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            int w = Vector256<T>.Count;
            Vector256<T> v0 = Vector256.Create(x0), v1 = Vector256.Create(x1), v2 = Vector256.Create(x2), v3 = Vector256.Create(x3);
            for (; j + w <= n; j += w)
            {
                var acc = Vector256.Load(c + j);
                acc = Fma(v0, Vector256.Load(r + j), acc);
                acc = Fma(v1, Vector256.Load(r1 + j), acc);
                acc = Fma(v2, Vector256.Load(r2 + j), acc);
                acc = Fma(v3, Vector256.Load(r3 + j), acc);
                acc.Store(c + j);
            }
        }
        for (; j < n; j++)
        {
            T acc = c[j];
            acc = T.FusedMultiplyAdd(x0, r[j], acc);
            acc = T.FusedMultiplyAdd(x1, r1[j], acc);
            acc = T.FusedMultiplyAdd(x2, r2[j], acc);
            acc = T.FusedMultiplyAdd(x3, r3[j], acc);
            c[j] = acc;
        }
    }

    // c[j] += x0·r[j].
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Axpy1<T>(T x0, T* r, T* c, int n) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int j = 0;
        if (Vector512.IsHardwareAccelerated && n >= Vector512<T>.Count)
        {
            var v0 = Vector512.Create(x0);
            for (; j + Vector512<T>.Count <= n; j += Vector512<T>.Count)
                Fma(v0, Vector512.Load(r + j), Vector512.Load(c + j)).Store(c + j);
        }
        else if (Vector256.IsHardwareAccelerated && n >= Vector256<T>.Count)
        {
            var v0 = Vector256.Create(x0);
            for (; j + Vector256<T>.Count <= n; j += Vector256<T>.Count)
                Fma(v0, Vector256.Load(r + j), Vector256.Load(c + j)).Store(c + j);
        }
        for (; j < n; j++) c[j] = T.FusedMultiplyAdd(x0, r[j], c[j]);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> Fma<T>(Vector512<T> a, Vector512<T> b, Vector512<T> c) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector512.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector512.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<T> Fma<T>(Vector256<T> a, Vector256<T> b, Vector256<T> c) where T : unmanaged =>
        typeof(T) == typeof(float) ? Vector256.FusedMultiplyAdd(a.AsSingle(), b.AsSingle(), c.AsSingle()).As<float, T>()
            : Vector256.FusedMultiplyAdd(a.AsDouble(), b.AsDouble(), c.AsDouble()).As<double, T>();
}
