using System.Numerics;

namespace Avalon.Backends.Cpu;

/// <summary>
/// Portable 4×4 micro-kernel for hardware without 256-bit SIMD and FMA. Sixteen scalar accumulators
/// still give the packed, blocked driver most of its cache benefit.
/// </summary>
internal readonly unsafe struct GemmMicroKernelScalar<T> : IGemmMicroKernel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private const int Size = 4;

    public static int Mr => Size;

    public static int Nr => Size;

    public static bool IsSupported => true;

    public static void Compute(int kc, T* a, T* b, T* c, nint ldc, T alpha, T beta)
    {
        T* acc = stackalloc T[Size * Size];
        for (int i = 0; i < Size * Size; i++) acc[i] = T.Zero;
        for (int p = 0; p < kc; p++)
        {
            for (int i = 0; i < Size; i++)
            {
                T ai = a[i];
                T* row = acc + i * Size;
                row[0] += ai * b[0];
                row[1] += ai * b[1];
                row[2] += ai * b[2];
                row[3] += ai * b[3];
            }

            a += Size;
            b += Size;
        }

        for (int i = 0; i < Size; i++)
        {
            T* ci = c + i * ldc;
            for (int j = 0; j < Size; j++)
                ci[j] = beta == T.Zero ? alpha * acc[i * Size + j] : alpha * acc[i * Size + j] + beta * ci[j];
        }
    }
}
