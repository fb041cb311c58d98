using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Avalon.Backends.Cpu;

/// <summary>
/// In-register block transposes for packing a transposed operand: a square tile is read as whole
/// rows (one vector each, so every cache line of the source is used at once) and written as whole
/// rows of the packed panel. Element-by-element copying of the same data is several times slower,
/// because it walks many source rows a page apart. The tile routines are too large for the packers
/// (themselves compiled fully optimised) to inline, so they are compiled fully optimised on first use too:
/// otherwise they run in tiered compilation's unoptimised first tier, where every vector operation is a
/// call, until it promotes them — which a batch-1 prediction did not wait for (its packing of a
/// transposed weight made it 4× slower).
/// </summary>
internal static unsafe class GemmTranspose
{
    /// <summary>Whether <see cref="Tile"/> can run: AVX and T being float or double.</summary>
    public static bool IsSupported<T>() where T : unmanaged =>
        Avx.IsSupported && (typeof(T) == typeof(float) || typeof(T) == typeof(double));

    /// <summary>Width of the square tile <see cref="Tile"/> transposes: 8 floats or 4 doubles.</summary>
    public static int TileSize<T>() where T : unmanaged => Vector256<T>.Count;

    /// <summary>dst[i * dstStride + j] = src[j * srcStride + i] for one tile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Tile<T>(T* src, nint srcStride, T* dst, nint dstStride) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            Float8x8((float*)src, srcStride, (float*)dst, dstStride);
        else if (typeof(T) == typeof(double))
            Double4x4((double*)src, srcStride, (double*)dst, dstStride);
        else
            throw OpErrors.NotSupported("gemm", $"no transpose tile for {typeof(T).Name}");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Float8x8(float* src, nint srcStride, float* dst, nint dstStride)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + srcStride);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * srcStride), r3 = Avx.LoadVector256(src + 3 * srcStride);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * srcStride), r5 = Avx.LoadVector256(src + 5 * srcStride);
        Vector256<float> r6 = Avx.LoadVector256(src + 6 * srcStride), r7 = Avx.LoadVector256(src + 7 * srcStride);

        // Interleave pairs of rows, then pairs of pairs, then swap 128-bit halves.
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4 * dstStride, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5 * dstStride, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6 * dstStride, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7 * dstStride, Avx.Permute2x128(u3, u7, 0x31));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Double4x4(double* src, nint srcStride, double* dst, nint dstStride)
    {
        Vector256<double> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + srcStride);
        Vector256<double> r2 = Avx.LoadVector256(src + 2 * srcStride), r3 = Avx.LoadVector256(src + 3 * srcStride);
        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Avx.Store(dst, Avx.Permute2x128(t0, t2, 0x20));
        Avx.Store(dst + dstStride, Avx.Permute2x128(t1, t3, 0x20));
        Avx.Store(dst + 2 * dstStride, Avx.Permute2x128(t0, t2, 0x31));
        Avx.Store(dst + 3 * dstStride, Avx.Permute2x128(t1, t3, 0x31));
    }

    /// <summary>
    /// Packs a 6-row block of a row-major matrix (rows <paramref name="srcStride"/> apart) for
    /// <see cref="TileSize"/> steps of k: dst[p * 6 + r] = src[r * srcStride + p]. Six is the Mr of
    /// the vector micro-kernels; the tile is transposed as if it had 8 (float) or 4+4 (double) rows,
    /// the missing ones being zero, and only six values per step are stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SixRows<T>(T* src, nint srcStride, T* dst) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
            SixRowsFloat((float*)src, srcStride, (float*)dst);
        else if (typeof(T) == typeof(double))
            SixRowsDouble((double*)src, srcStride, (double*)dst);
        else
            throw OpErrors.NotSupported("gemm", $"no transpose tile for {typeof(T).Name}");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SixRowsFloat(float* src, nint srcStride, float* dst)
    {
        Vector256<float> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + srcStride);
        Vector256<float> r2 = Avx.LoadVector256(src + 2 * srcStride), r3 = Avx.LoadVector256(src + 3 * srcStride);
        Vector256<float> r4 = Avx.LoadVector256(src + 4 * srcStride), r5 = Avx.LoadVector256(src + 5 * srcStride);
        Vector256<float> zero = Vector256<float>.Zero;

        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, zero, 0x44), u5 = Avx.Shuffle(t4, zero, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, zero, 0x44), u7 = Avx.Shuffle(t5, zero, 0xEE);

        // Step p holds rows 0-3 in the low half of u[p % 4] (high half for p >= 4) and rows 4-5 in
        // the matching half of u[p % 4 + 4].
        StoreSix(dst, u0.GetLower(), u4.GetLower());
        StoreSix(dst + 6, u1.GetLower(), u5.GetLower());
        StoreSix(dst + 12, u2.GetLower(), u6.GetLower());
        StoreSix(dst + 18, u3.GetLower(), u7.GetLower());
        StoreSix(dst + 24, u0.GetUpper(), u4.GetUpper());
        StoreSix(dst + 30, u1.GetUpper(), u5.GetUpper());
        StoreSix(dst + 36, u2.GetUpper(), u6.GetUpper());
        StoreSix(dst + 42, u3.GetUpper(), u7.GetUpper());
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreSix(float* dst, Vector128<float> first4, Vector128<float> last2)
    {
        Sse.Store(dst, first4);
        Sse2.StoreScalar((double*)(dst + 4), last2.AsDouble());
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void SixRowsDouble(double* src, nint srcStride, double* dst)
    {
        Vector256<double> r0 = Avx.LoadVector256(src), r1 = Avx.LoadVector256(src + srcStride);
        Vector256<double> r2 = Avx.LoadVector256(src + 2 * srcStride), r3 = Avx.LoadVector256(src + 3 * srcStride);
        Vector256<double> r4 = Avx.LoadVector256(src + 4 * srcStride), r5 = Avx.LoadVector256(src + 5 * srcStride);
        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<double> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<double> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);

        // Rows 4-5 of step p: (t4, t5) interleave steps 0/2 and 1/3 per 128-bit half.
        Avx.Store(dst, Avx.Permute2x128(t0, t2, 0x20));
        Sse2.Store(dst + 4, t4.GetLower());
        Avx.Store(dst + 6, Avx.Permute2x128(t1, t3, 0x20));
        Sse2.Store(dst + 10, t5.GetLower());
        Avx.Store(dst + 12, Avx.Permute2x128(t0, t2, 0x31));
        Sse2.Store(dst + 16, t4.GetUpper());
        Avx.Store(dst + 18, Avx.Permute2x128(t1, t3, 0x31));
        Sse2.Store(dst + 22, t5.GetUpper());
    }
}
