using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Avalon.Backends.Cpu.Pooling;

/// <summary>
/// The common max pooling case, vectorised: 1-D or 2-D, windows two wide and kH high that tile the
/// input (stride = kernel, no padding, no dilation, every window whole). Eight float (four double)
/// outputs of a row at a time: two loads of an input row split into its even and odd columns, which
/// are compared, then the rows of the window are folded in order.
/// </summary>
/// <remarks>
/// The result is bit for bit that of <see cref="PoolWindow.Max{T}"/>, which visits a window row by row
/// and takes a value when it is greater than the best so far or NaN. That rule picks, over the whole
/// window, a NaN if there is one (the last one visited), else the largest value at its first position
/// (which also fixes the sign of a zero). Folding the even column into the odd one, and then each row
/// into the rows above it, applies the same rule with the earlier part of the window always on the
/// left, so it chooses the same element.
/// </remarks>
internal static unsafe class MaxPoolPairs
{
    /// <summary>Whether <paramref name="g"/> is a case this kernel handles.</summary>
    public static bool Applies(in PoolGeometry g) =>
        g.KernelDepth == 1 && g.StrideDepth == 1 && g.PadDepth == 0 && g.DilationDepth == 1 &&
        g.KernelWidth == 2 && g.StrideWidth == 2 && g.PadWidth == 0 && g.DilationWidth == 1 &&
        g.StrideHeight == g.KernelHeight && g.PadHeight == 0 && g.DilationHeight == 1 &&
        g.OutputDepth == g.InputDepth && (long)g.OutputWidth * 2 <= g.InputWidth &&
        (long)g.OutputHeight * g.KernelHeight <= g.InputHeight;

    /// <summary>
    /// Pools planes [<paramref name="first"/>, <paramref name="end"/>); either <paramref name="output"/>
    /// or <paramref name="indices"/> may be null.
    /// </summary>
    public static void Run<T>(in PoolGeometry g, T* input, T* output, long* indices, int first, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inW = g.InputWidth, kH = g.KernelHeight, outH = g.OutputHeight, outW = g.OutputWidth;
        int inRows = g.InputDepth * g.InputHeight, inPlane = g.InputPlane, outPlane = g.OutputPlane;
        for (int plane = first; plane < end; plane++)
        {
            T* x = input + (long)plane * inPlane;
            long o = (long)plane * outPlane;
            for (int d = 0; d < g.InputDepth; d++)
            for (int oh = 0; oh < outH; oh++, o += outW)
            {
                int rowStart = (d * g.InputHeight + oh * kH) * inW;
                T* y = output == null ? null : output + o;
                long* ind = indices == null ? null : indices + o;
                int ow = 0;
                if (typeof(T) == typeof(float) && Avx2.IsSupported)
                    ow = RowFloat((float*)x, rowStart, inW, kH, outW, (float*)y, ind);
                else if (typeof(T) == typeof(double) && Avx2.IsSupported)
                    ow = RowDouble((double*)x, rowStart, inW, kH, outW, (double*)y, ind);
                for (; ow < outW; ow++)
                {
                    int h0 = rowStart / inW;
                    T max = PoolWindow.Max(x, inRows, inW, 0, 1, 1, h0, h0 + kH, 1, 2 * ow, 2 * ow + 2, 1, out long position);
                    if (y != null) y[ow] = max;
                    if (ind != null) ind[ow] = position;
                }
            }
        }
    }

    /// <summary>Blocks of eight outputs of one output row; returns how many outputs it wrote.</summary>
    private static int RowFloat(float* x, int rowStart, int inW, int kH, int outW, float* y, long* ind)
    {
        // The even/odd split leaves the outputs in the order 0 1 4 5 2 3 6 7 (in-lane shuffles); the lane
        // offsets follow that order and one 64-bit permute puts both values and positions back in place.
        var laneColumn = Vector256.Create(0, 2, 8, 10, 4, 6, 12, 14);
        int ow = 0;
        for (; ow + 8 <= outW; ow += 8)
        {
            Vector256<float> best = default;
            Vector256<int> bestPosition = default;
            for (int dh = 0; dh < kH; dh++)
            {
                int rowOffset = rowStart + dh * inW + 2 * ow;
                float* p = x + rowOffset;
                var a = Avx.LoadVector256(p);
                var b = Avx.LoadVector256(p + 8);
                var even = Avx.Shuffle(a, b, 0b10_00_10_00);
                var odd = Avx.Shuffle(a, b, 0b11_01_11_01);
                var takeOdd = Takes(even, odd);
                var value = Avx.BlendVariable(even, odd, takeOdd);
                var position = Avx2.Subtract(Vector256.Create(rowOffset) + laneColumn, takeOdd.AsInt32());
                if (dh == 0)
                {
                    best = value;
                    bestPosition = position;
                    continue;
                }
                var takeRow = Takes(best, value);
                best = Avx.BlendVariable(best, value, takeRow);
                bestPosition = Avx2.BlendVariable(bestPosition, position, takeRow.AsInt32());
            }
            if (y != null) Avx.Store(y + ow, Avx2.Permute4x64(best.AsDouble(), 0b11_01_10_00).AsSingle());
            if (ind != null)
            {
                var positions = Avx2.Permute4x64(bestPosition.AsInt64(), 0b11_01_10_00).AsInt32();
                Avx.Store(ind + ow, Avx2.ConvertToVector256Int64(positions.GetLower()));
                Avx.Store(ind + ow + 4, Avx2.ConvertToVector256Int64(positions.GetUpper()));
            }
        }
        return ow;
    }

    /// <summary>Blocks of four outputs of one output row; returns how many outputs it wrote.</summary>
    private static int RowDouble(double* x, int rowStart, int inW, int kH, int outW, double* y, long* ind)
    {
        // Even/odd split order: outputs 0 2 1 3.
        var laneColumn = Vector256.Create(0L, 4, 2, 6);
        int ow = 0;
        for (; ow + 4 <= outW; ow += 4)
        {
            Vector256<double> best = default;
            Vector256<long> bestPosition = default;
            for (int dh = 0; dh < kH; dh++)
            {
                int rowOffset = rowStart + dh * inW + 2 * ow;
                double* p = x + rowOffset;
                var a = Avx.LoadVector256(p);
                var b = Avx.LoadVector256(p + 4);
                var even = Avx.Shuffle(a, b, 0b0000);
                var odd = Avx.Shuffle(a, b, 0b1111);
                var takeOdd = Takes(even, odd);
                var value = Avx.BlendVariable(even, odd, takeOdd);
                var position = Avx2.Subtract(Vector256.Create((long)rowOffset) + laneColumn, takeOdd.AsInt64());
                if (dh == 0)
                {
                    best = value;
                    bestPosition = position;
                    continue;
                }
                var takeRow = Takes(best, value);
                best = Avx.BlendVariable(best, value, takeRow);
                bestPosition = Avx2.BlendVariable(bestPosition, position, takeRow.AsInt64());
            }
            if (y != null) Avx.Store(y + ow, Avx2.Permute4x64(best, 0b11_01_10_00));
            if (ind != null) Avx.Store(ind + ow, Avx2.Permute4x64(bestPosition, 0b11_01_10_00));
        }
        return ow;
    }

    /// <summary>Lanes where <paramref name="later"/> replaces <paramref name="earlier"/>: greater, or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Takes(Vector256<float> earlier, Vector256<float> later) =>
        Avx.Or(Avx.Compare(later, earlier, FloatComparisonMode.OrderedGreaterThanNonSignaling),
            Avx.Compare(later, later, FloatComparisonMode.UnorderedNonSignaling));

    /// <summary>Lanes where <paramref name="later"/> replaces <paramref name="earlier"/>: greater, or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> Takes(Vector256<double> earlier, Vector256<double> later) =>
        Avx.Or(Avx.Compare(later, earlier, FloatComparisonMode.OrderedGreaterThanNonSignaling),
            Avx.Compare(later, later, FloatComparisonMode.UnorderedNonSignaling));
}
