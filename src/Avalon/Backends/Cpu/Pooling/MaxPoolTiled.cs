using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Avalon.Primitives.Pooling;

namespace Avalon.Backends.Cpu.Pooling;

/// <summary>
/// The common max pooling case, vectorised: windows kH × kW (kW ≥ 2, depth 1) that tile the input
/// (stride = kernel, no padding, no dilation, every window whole). A row of outputs goes eight floats
/// (four doubles) at a time, then four (two) in 128-bit vectors, then one by one. Two-wide windows load
/// an input row and split it into its even and odd columns; wider ones gather each column of the
/// windows. Columns are folded left to right and then rows top to bottom.
/// </summary>
/// <remarks>
/// The result is bit for bit that of <see cref="PoolWindow.Max{T}"/>, which visits a window row by row
/// and takes a value when it is greater than the best so far or NaN. That rule picks, over the whole
/// window, a NaN if there is one (the last one visited), else the largest value at its first position
/// (which also fixes the sign of a zero). The vector folds apply the same rule with the earlier part of
/// the window always on the left, so they choose the same element.
/// </remarks>
internal static unsafe class MaxPoolTiled
{
    /// <summary>Whether <paramref name="g"/> is a case this kernel handles.</summary>
    public static bool Applies(in PoolGeometry g) =>
        g.KernelDepth == 1 && g.StrideDepth == 1 && g.PadDepth == 0 && g.DilationDepth == 1 &&
        g.KernelWidth >= 2 && g.StrideWidth == g.KernelWidth && g.PadWidth == 0 && g.DilationWidth == 1 &&
        g.StrideHeight == g.KernelHeight && g.PadHeight == 0 && g.DilationHeight == 1 &&
        g.OutputDepth == g.InputDepth && (long)g.OutputWidth * g.KernelWidth <= g.InputWidth &&
        (long)g.OutputHeight * g.KernelHeight <= g.InputHeight;

    /// <summary>
    /// Pools planes [<paramref name="first"/>, <paramref name="end"/>); either <paramref name="output"/>
    /// or <paramref name="indices"/> may be null.
    /// </summary>
    public static void Run<T>(in PoolGeometry g, T* input, T* output, long* indices, int first, int end)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int inW = g.InputWidth, kH = g.KernelHeight, kW = g.KernelWidth, outH = g.OutputHeight, outW = g.OutputWidth;
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
                    ow = kW == 2
                        ? RowFloat((float*)x, rowStart, inW, kH, outW, (float*)y, ind)
                        : GatherRowFloat((float*)x, rowStart, inW, kH, kW, outW, (float*)y, ind);
                else if (typeof(T) == typeof(double) && Avx2.IsSupported)
                    ow = kW == 2
                        ? RowDouble((double*)x, rowStart, inW, kH, outW, (double*)y, ind)
                        : GatherRowDouble((double*)x, rowStart, inW, kH, kW, outW, (double*)y, ind);
                if (ow < outW && typeof(T) == typeof(float) && Sse41.IsSupported)
                    ow = TailFloat((float*)x, rowStart, inW, kH, kW, ow, outW, (float*)y, ind);
                for (; ow < outW; ow++)
                {
                    int h0 = rowStart / inW;
                    T max = PoolWindow.Max(x, inRows, inW, 0, 1, 1, h0, h0 + kH, 1, kW * ow, kW * ow + kW, 1, out long position);
                    if (y != null) y[ow] = max;
                    if (ind != null) ind[ow] = position;
                }
            }
        }
    }

    /// <summary>
    /// The last outputs [<paramref name="first"/>, <paramref name="outW"/>) of a float row that the blocks left, up to
    /// four at a time in the lanes of a 128-bit vector (a short group repeats its last window in the unused lanes),
    /// each window element loaded lane by lane, in <see cref="PoolWindow.Max{T}"/>'s order; returns
    /// <paramref name="outW"/>. That scalar loop, kept for double, costs a mispredicted branch per comparison on real data (measured 15 ns an output against 0.4 ns in
    /// the vector blocks), which made planes 7, 14 and 28 wide pool at a tenth of the speed of 24-wide ones.
    /// </summary>
    private static int TailFloat(float* x, int rowStart, int inW, int kH, int kW, int first, int outW, float* y, long* ind)
    {
        for (int ow = first; ow < outW; ow += 4)
        {
            int count = Math.Min(4, outW - ow);
            int c0 = rowStart + kW * ow, c1 = c0 + kW * Math.Min(1, count - 1), c2 = c0 + kW * Math.Min(2, count - 1), c3 = c0 + kW * Math.Min(3, count - 1);
            var start = Vector128.Create(c0, c1, c2, c3);
            Vector128<float> best = default;
            Vector128<int> bestPosition = default;
            for (int dh = 0; dh < kH; dh++)
            for (int dw = 0; dw < kW; dw++)
            {
                int offset = dh * inW + dw;
                var value = Vector128.Create(x[c0 + offset], x[c1 + offset], x[c2 + offset], x[c3 + offset]);
                var position = start + Vector128.Create(offset);
                if (dh == 0 && dw == 0)
                {
                    best = value;
                    bestPosition = position;
                    continue;
                }
                var take = Takes(best, value);
                best = Sse41.BlendVariable(best, value, take);
                bestPosition = Sse41.BlendVariable(bestPosition, position, take.AsInt32());
            }
            for (int lane = 0; lane < count; lane++)
            {
                if (y != null) y[ow + lane] = best.GetElement(lane);
                if (ind != null) ind[ow + lane] = bestPosition.GetElement(lane);
            }
        }
        return outW;
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
        if (ow + 4 <= outW)
        {
            // Four more outputs in 128-bit halves, where the even/odd split keeps the order.
            Four(x, rowStart, inW, kH, ow, y, ind);
            ow += 4;
        }
        if (ow < outW && outW >= 4)
        {
            // The last few again as a block of four ending at the row's end: the outputs it shares with the
            // previous block are computed again, to the same values and positions.
            Four(x, rowStart, inW, kH, outW - 4, y, ind);
            ow = outW;
        }
        return ow;
    }

    /// <summary>Outputs [ow, ow + 4) of one output row of a two-wide window.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Four(float* x, int rowStart, int inW, int kH, int ow, float* y, long* ind)
    {
        Vector128<float> best = default;
        Vector128<int> bestPosition = default;
        for (int dh = 0; dh < kH; dh++)
        {
            int rowOffset = rowStart + dh * inW + 2 * ow;
            float* p = x + rowOffset;
            var a = Sse.LoadVector128(p);
            var b = Sse.LoadVector128(p + 4);
            var even = Sse.Shuffle(a, b, 0b10_00_10_00);
            var odd = Sse.Shuffle(a, b, 0b11_01_11_01);
            var takeOdd = Takes(even, odd);
            var value = Sse41.BlendVariable(even, odd, takeOdd);
            var position = Sse2.Subtract(Vector128.Create(rowOffset) + Vector128.Create(0, 2, 4, 6), takeOdd.AsInt32());
            if (dh == 0)
            {
                best = value;
                bestPosition = position;
                continue;
            }
            var takeRow = Takes(best, value);
            best = Sse41.BlendVariable(best, value, takeRow);
            bestPosition = Sse41.BlendVariable(bestPosition, position, takeRow.AsInt32());
        }
        if (y != null) Sse.Store(y + ow, best);
        if (ind != null) Avx.Store(ind + ow, Avx2.ConvertToVector256Int64(bestPosition));
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
        if (ow + 2 <= outW)
        {
            // Two more outputs in 128-bit halves, where the even/odd split keeps the order.
            Vector128<double> best = default;
            Vector128<long> bestPosition = default;
            for (int dh = 0; dh < kH; dh++)
            {
                int rowOffset = rowStart + dh * inW + 2 * ow;
                double* p = x + rowOffset;
                var a = Sse2.LoadVector128(p);
                var b = Sse2.LoadVector128(p + 2);
                var even = Sse2.Shuffle(a, b, 0b00);
                var odd = Sse2.Shuffle(a, b, 0b11);
                var takeOdd = Takes(even, odd);
                var value = Sse41.BlendVariable(even, odd, takeOdd);
                var position = Sse2.Subtract(Vector128.Create((long)rowOffset) + Vector128.Create(0L, 2), takeOdd.AsInt64());
                if (dh == 0)
                {
                    best = value;
                    bestPosition = position;
                    continue;
                }
                var takeRow = Takes(best, value);
                best = Sse41.BlendVariable(best, value, takeRow);
                bestPosition = Sse41.BlendVariable(bestPosition, position, takeRow.AsInt64());
            }
            if (y != null) Sse2.Store(y + ow, best);
            if (ind != null) Sse2.Store(ind + ow, bestPosition);
            ow += 2;
        }
        return ow;
    }

    /// <summary>
    /// Windows <paramref name="kW"/> wide: blocks of eight outputs whose columns are gathered, visited in
    /// the window loop's order; returns how many outputs it wrote.
    /// </summary>
    private static int GatherRowFloat(float* x, int rowStart, int inW, int kH, int kW, int outW, float* y, long* ind)
    {
        var lane = Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7) * kW;
        int ow = 0;
        for (; ow + 8 <= outW; ow += 8)
        {
            Vector256<float> best = default;
            Vector256<int> bestPosition = default;
            bool first = true;
            for (int dh = 0; dh < kH; dh++)
            {
                int rowOffset = rowStart + dh * inW + kW * ow;
                for (int dw = 0; dw < kW; dw++)
                {
                    var value = Avx2.GatherVector256(x + rowOffset + dw, lane, 4);
                    var position = Vector256.Create(rowOffset + dw) + lane;
                    if (first)
                    {
                        best = value;
                        bestPosition = position;
                        first = false;
                        continue;
                    }
                    var take = Takes(best, value);
                    best = Avx.BlendVariable(best, value, take);
                    bestPosition = Avx2.BlendVariable(bestPosition, position, take.AsInt32());
                }
            }
            if (y != null) Avx.Store(y + ow, best);
            if (ind != null)
            {
                Avx.Store(ind + ow, Avx2.ConvertToVector256Int64(bestPosition.GetLower()));
                Avx.Store(ind + ow + 4, Avx2.ConvertToVector256Int64(bestPosition.GetUpper()));
            }
        }
        return ow;
    }

    /// <summary>
    /// Windows <paramref name="kW"/> wide: blocks of four outputs whose columns are gathered, visited in
    /// the window loop's order; returns how many outputs it wrote.
    /// </summary>
    private static int GatherRowDouble(double* x, int rowStart, int inW, int kH, int kW, int outW, double* y, long* ind)
    {
        var lane = Vector128.Create(0, 1, 2, 3) * kW;
        var laneLong = Vector256.Create(0L, 1, 2, 3) * kW;
        int ow = 0;
        for (; ow + 4 <= outW; ow += 4)
        {
            Vector256<double> best = default;
            Vector256<long> bestPosition = default;
            bool first = true;
            for (int dh = 0; dh < kH; dh++)
            {
                int rowOffset = rowStart + dh * inW + kW * ow;
                for (int dw = 0; dw < kW; dw++)
                {
                    var value = Avx2.GatherVector256(x + rowOffset + dw, lane, 8);
                    var position = Vector256.Create((long)(rowOffset + dw)) + laneLong;
                    if (first)
                    {
                        best = value;
                        bestPosition = position;
                        first = false;
                        continue;
                    }
                    var take = Takes(best, value);
                    best = Avx.BlendVariable(best, value, take);
                    bestPosition = Avx2.BlendVariable(bestPosition, position, take.AsInt64());
                }
            }
            if (y != null) Avx.Store(y + ow, best);
            if (ind != null) Avx.Store(ind + ow, bestPosition);
        }
        return ow;
    }

    /// <summary>Lanes where <paramref name="later"/> replaces <paramref name="earlier"/>: greater, or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Takes(Vector128<float> earlier, Vector128<float> later) =>
        Sse.Or(Sse.CompareGreaterThan(later, earlier), Sse.CompareUnordered(later, later));

    /// <summary>Lanes where <paramref name="later"/> replaces <paramref name="earlier"/>: greater, or NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<double> Takes(Vector128<double> earlier, Vector128<double> later) =>
        Sse2.Or(Sse2.CompareGreaterThan(later, earlier), Sse2.CompareUnordered(later, later));

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
