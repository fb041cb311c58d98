using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Avalon.Backends.Cpu;

/// <summary>
/// Copies blocks of op(A) and op(B) into the contiguous, zero-padded panel layout the micro-kernels
/// read: A as Mr-row panels stored k-major, B as Nr-column panels stored k-major. Packing turns every
/// transpose and stride into the same unit-stride stream, so the kernel never sees either.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[i0..i0+mc, p0..p0+kc] into ceil(mc/mr) panels of mr×kc, panel after panel; rows past
    /// mc are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA<T>(bool transA, T* a, nint lda, int i0, int p0, int mc, int kc, int mr, T* dest)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int ir = 0; ir < mc; ir += mr)
        {
            int rows = Math.Min(mr, mc - ir);
            T* panel = dest + (nint)ir * kc;
            if (transA)
            {
                // op(A)[i, p] = a[p * lda + i]: each step of k is a contiguous run of rows.
                T* src = a + (nint)p0 * lda + i0 + ir;
                for (int p = 0; p < kc; p++, src += lda, panel += mr)
                {
                    int r = 0;
                    for (; r < rows; r++) panel[r] = src[r];
                    for (; r < mr; r++) panel[r] = T.Zero;
                }
            }
            else
            {
                // op(A)[i, p] = a[i * lda + p]: transpose whole 6-row tiles in registers where they
                // fit, then walk each row and scatter with stride mr.
                int tile = GemmTranspose.TileSize<T>(), pTiled = 0;
                if (rows == 6 && mr == 6 && GemmTranspose.IsSupported<T>())
                {
                    pTiled = kc - kc % tile;
                    T* src = a + (nint)(i0 + ir) * lda + p0;
                    for (int p = 0; p < pTiled; p += tile)
                        GemmTranspose.SixRows(src + p, lda, panel + p * mr);
                }

                for (int r = 0; r < mr; r++)
                {
                    T* dst = panel + r;
                    if (r < rows)
                    {
                        T* src = a + (nint)(i0 + ir + r) * lda + p0;
                        for (int p = pTiled; p < kc; p++) dst[p * mr] = src[p];
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++) dst[p * mr] = T.Zero;
                    }
                }
            }
        }
    }

    /// <summary>
    /// Packs op(B)[p0..p0+kc, j0..j0+nc] into ceil(nc/nr) panels of kc×nr, panel after panel; columns
    /// past nc are zero.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB<T>(bool transB, T* b, nint ldb, int p0, int j0, int kc, int nc, int nr, T* dest)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            T* panel = dest + (nint)jr * kc;
            if (transB)
            {
                // op(B)[p, j] = b[j * ldb + p]: transpose whole tiles in registers where they fit,
                // then walk the remaining stored rows and scatter with stride nr.
                int tile = GemmTranspose.TileSize<T>(), pTiled = 0;
                if (cols == nr && nr % tile == 0 && GemmTranspose.IsSupported<T>())
                {
                    pTiled = kc - kc % tile;
                    T* rows = b + (nint)(j0 + jr) * ldb + p0;
                    for (int j = 0; j < nr; j += tile)
                        for (int p = 0; p < pTiled; p += tile)
                            GemmTranspose.Tile(rows + j * ldb + p, ldb, panel + (nint)p * nr + j, nr);
                }

                for (int j = 0; j < nr; j++)
                {
                    T* dst = panel + j;
                    if (j < cols)
                    {
                        T* src = b + (nint)(j0 + jr + j) * ldb + p0;
                        for (int p = pTiled; p < kc; p++) dst[p * nr] = src[p];
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++) dst[p * nr] = T.Zero;
                    }
                }
            }
            else
            {
                // op(B)[p, j] = b[p * ldb + j]: each step of k is a contiguous run of columns.
                T* src = b + (nint)p0 * ldb + j0 + jr;
                if (cols == nr && nr % Vector256<T>.Count == 0 && Vector256.IsHardwareAccelerated)
                {
                    for (int p = 0; p < kc; p++, src += ldb, panel += nr)
                        for (int j = 0; j < nr; j += Vector256<T>.Count)
                            Vector256.Store(Vector256.Load(src + j), panel + j);
                    continue;
                }

                nint bytes = (nint)cols * sizeof(T);
                for (int p = 0; p < kc; p++, src += ldb, panel += nr)
                {
                    Buffer.MemoryCopy(src, panel, bytes, bytes);
                    for (int j = cols; j < nr; j++) panel[j] = T.Zero;
                }
            }
        }
    }
}
