using System.Numerics;
using System.Runtime.CompilerServices;

namespace Avalon.Backends.Cpu;

/// <summary>
/// The 6×(2 vectors) register plan shared by the SIMD micro-kernels, written once over a vector width
/// <typeparamref name="TOps"/>. Twelve accumulators, two B loads and six broadcasts per step of k fill
/// 15 vector registers, and twelve independent FMA chains hide the FMA latency on two pipes. Both type
/// arguments are structs, so the JIT compiles one specialised copy per width with every
/// <typeparamref name="TOps"/> call inlined.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <typeparam name="TVector">The vector type of the width.</typeparam>
/// <typeparam name="TOps">The operations on <typeparamref name="TVector"/>.</typeparam>
internal static unsafe class GemmVectorMicroKernel<T, TVector, TOps>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
    where TVector : struct
    where TOps : struct, IGemmVector<TVector, T>
{
    /// <summary>Rows of C per call.</summary>
    public const int Mr = 6;

    /// <summary>Columns of C per call: two vectors.</summary>
    public static int Nr => 2 * TOps.Count;

    /// <inheritdoc cref="IGemmMicroKernel{T}.Compute"/>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compute(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta)
    {
        int w = TOps.Count;
        TVector c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        TVector c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++)
        {
            TVector b0 = TOps.Load(b);
            TVector b1 = TOps.Load(b + w);
            TVector ai = TOps.Broadcast(a[0]);
            c00 = TOps.MulAdd(ai, b0, c00);
            c01 = TOps.MulAdd(ai, b1, c01);
            ai = TOps.Broadcast(a[1]);
            c10 = TOps.MulAdd(ai, b0, c10);
            c11 = TOps.MulAdd(ai, b1, c11);
            ai = TOps.Broadcast(a[2]);
            c20 = TOps.MulAdd(ai, b0, c20);
            c21 = TOps.MulAdd(ai, b1, c21);
            ai = TOps.Broadcast(a[3]);
            c30 = TOps.MulAdd(ai, b0, c30);
            c31 = TOps.MulAdd(ai, b1, c31);
            ai = TOps.Broadcast(a[4]);
            c40 = TOps.MulAdd(ai, b0, c40);
            c41 = TOps.MulAdd(ai, b1, c41);
            ai = TOps.Broadcast(a[5]);
            c50 = TOps.MulAdd(ai, b0, c50);
            c51 = TOps.MulAdd(ai, b1, c51);
            a += Mr;
            b += 2 * w;
        }

        TVector va = TOps.Broadcast(alpha);
        if (beta == T.Zero)
        {
            StoreRow(c, w, TOps.Multiply(c00, va), TOps.Multiply(c01, va));
            StoreRow(c += ldc, w, TOps.Multiply(c10, va), TOps.Multiply(c11, va));
            StoreRow(c += ldc, w, TOps.Multiply(c20, va), TOps.Multiply(c21, va));
            StoreRow(c += ldc, w, TOps.Multiply(c30, va), TOps.Multiply(c31, va));
            StoreRow(c += ldc, w, TOps.Multiply(c40, va), TOps.Multiply(c41, va));
            StoreRow(c + ldc, w, TOps.Multiply(c50, va), TOps.Multiply(c51, va));
        }
        else
        {
            TVector vb = TOps.Broadcast(beta);
            MergeRow(c, w, TOps.Multiply(c00, va), TOps.Multiply(c01, va), vb);
            MergeRow(c += ldc, w, TOps.Multiply(c10, va), TOps.Multiply(c11, va), vb);
            MergeRow(c += ldc, w, TOps.Multiply(c20, va), TOps.Multiply(c21, va), vb);
            MergeRow(c += ldc, w, TOps.Multiply(c30, va), TOps.Multiply(c31, va), vb);
            MergeRow(c += ldc, w, TOps.Multiply(c40, va), TOps.Multiply(c41, va), vb);
            MergeRow(c + ldc, w, TOps.Multiply(c50, va), TOps.Multiply(c51, va), vb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(T* c, int w, TVector x0, TVector x1)
    {
        TOps.Store(x0, c);
        TOps.Store(x1, c + w);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MergeRow(T* c, int w, TVector x0, TVector x1, TVector beta)
    {
        TOps.Store(TOps.MulAdd(beta, TOps.Load(c), x0), c);
        TOps.Store(TOps.MulAdd(beta, TOps.Load(c + w), x1), c + w);
    }
}
