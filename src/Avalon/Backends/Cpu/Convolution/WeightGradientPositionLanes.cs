using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// The direct weight gradient with vectors along output positions, for layers with few taps (the first
/// layer of an image network: one to three input channels): per vector of positions, four loads of the
/// output gradient and one input load per tap feed a block of four output channels × four taps (two with
/// 256-bit vectors), whose accumulators stay in registers over the whole chunk and are summed across lanes
/// once per block. The output gradient is copied into rows of the padded width, zero past outW, so the
/// padded numbering's extra positions add nothing (they cost (kW − 1)/Wp of the work).
/// </summary>
internal static unsafe class WeightGradientPositionLanes
{
    /// <summary>Output channels per block.</summary>
    private const int ChannelBlock = 4;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, TVector, TOps>(in ConvGeometry g, T* x, long inSample, T* gy, long outSample, int count, T* gw, int tapBlock)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int cout = g.OutChannelsPerGroup, taps = g.ColumnRows, outH = g.OutputHeight, outW = g.OutputWidth, outPlane = g.OutputPlane;
        var layout = new DirectPlaneLayout(g, TOps.Count);
        int wp = layout.PaddedWidth, rounded = layout.Rounded;
        long paddedLength = layout.PaddedLength, gradRows = (long)cout * rounded;

        ConvolutionWorkspace ws = ConvolutionWorkspace.Current;
        T* padded = ws.Get<T>(ConvolutionScratch.Padded, count * paddedLength);
        T* grads = ws.Get<T>(ConvolutionScratch.Rows, count * gradRows);
        // Taps rounded up to the block; the extra ones repeat the last offset and are not written out.
        int blockedTaps = (taps + tapBlock - 1) / tapBlock * tapBlock;
        int* offsets = ws.Get<int>(ConvolutionScratch.Offsets, blockedTaps);
        layout.FillOffsets(g, offsets);
        for (int t = taps; t < blockedTaps; t++) offsets[t] = offsets[taps - 1];
        for (int s = 0; s < count; s++)
        {
            layout.Pad(g, x + s * inSample, padded + s * paddedLength);
            T* rows = grads + s * gradRows;
            new Span<T>(rows, checked((int)gradRows)).Clear();
            for (int co = 0; co < cout; co++)
            for (int oh = 0; oh < outH; oh++)
                new ReadOnlySpan<T>(gy + s * outSample + (long)co * outPlane + (long)oh * outW, outW)
                    .CopyTo(new Span<T>(rows + (long)co * rounded + (long)oh * wp, outW));
        }

        T* lanes = stackalloc T[TOps.Count];
        for (int co = 0; co < cout; co += ChannelBlock)
        {
            int channels = Math.Min(ChannelBlock, cout - co);
            // A short block repeats its last channel's rows; the repeats are not written out.
            long r1 = Math.Min(1, channels - 1) * (long)rounded, r2 = Math.Min(2, channels - 1) * (long)rounded, r3 = Math.Min(3, channels - 1) * (long)rounded;
            for (int t = 0; t < taps; t += tapBlock)
            {
                if (tapBlock == 4)
                    Block4<T, TVector, TOps>(padded, paddedLength, grads + (long)co * rounded, gradRows, r1, r2, r3, count, rounded,
                        offsets + t, gw + (long)co * taps + t, taps, channels, Math.Min(4, taps - t), lanes);
                else
                    Block2<T, TVector, TOps>(padded, paddedLength, grads + (long)co * rounded, gradRows, r1, r2, r3, count, rounded,
                        offsets + t, gw + (long)co * taps + t, taps, channels, Math.Min(2, taps - t), lanes);
            }
        }
    }

    /// <summary>Four channels (rows r0 = 0, r1, r2, r3 of each sample's gradients) × four taps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4<T, TVector, TOps>(T* padded, long paddedLength, T* grads, long gradRows, long r1, long r2, long r3,
        int count, int rounded, int* offsets, T* gw, int taps, int channels, int tapCount, T* lanes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count, o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3];
        TVector a00 = default, a01 = default, a02 = default, a03 = default;
        TVector a10 = default, a11 = default, a12 = default, a13 = default;
        TVector a20 = default, a21 = default, a22 = default, a23 = default;
        TVector a30 = default, a31 = default, a32 = default, a33 = default;
        for (int s = 0; s < count; s++)
        {
            T* xs = padded + s * paddedLength;
            T* gs = grads + s * gradRows;
            for (int p = 0; p < rounded; p += v)
            {
                TVector g0 = TOps.Load(gs + p), g1 = TOps.Load(gs + r1 + p), g2 = TOps.Load(gs + r2 + p), g3 = TOps.Load(gs + r3 + p);
                TVector xv = TOps.Load(xs + p + o0);
                a00 = TOps.MulAdd(g0, xv, a00);
                a10 = TOps.MulAdd(g1, xv, a10);
                a20 = TOps.MulAdd(g2, xv, a20);
                a30 = TOps.MulAdd(g3, xv, a30);
                xv = TOps.Load(xs + p + o1);
                a01 = TOps.MulAdd(g0, xv, a01);
                a11 = TOps.MulAdd(g1, xv, a11);
                a21 = TOps.MulAdd(g2, xv, a21);
                a31 = TOps.MulAdd(g3, xv, a31);
                xv = TOps.Load(xs + p + o2);
                a02 = TOps.MulAdd(g0, xv, a02);
                a12 = TOps.MulAdd(g1, xv, a12);
                a22 = TOps.MulAdd(g2, xv, a22);
                a32 = TOps.MulAdd(g3, xv, a32);
                xv = TOps.Load(xs + p + o3);
                a03 = TOps.MulAdd(g0, xv, a03);
                a13 = TOps.MulAdd(g1, xv, a13);
                a23 = TOps.MulAdd(g2, xv, a23);
                a33 = TOps.MulAdd(g3, xv, a33);
            }
        }

        Write<T, TVector, TOps>(a00, a01, a02, a03, gw, tapCount, lanes);
        if (channels > 1) Write<T, TVector, TOps>(a10, a11, a12, a13, gw + taps, tapCount, lanes);
        if (channels > 2) Write<T, TVector, TOps>(a20, a21, a22, a23, gw + 2L * taps, tapCount, lanes);
        if (channels > 3) Write<T, TVector, TOps>(a30, a31, a32, a33, gw + 3L * taps, tapCount, lanes);
    }

    /// <summary>Four channels × two taps: the 256-bit form (eight accumulators beside the loads in 16 registers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block2<T, TVector, TOps>(T* padded, long paddedLength, T* grads, long gradRows, long r1, long r2, long r3,
        int count, int rounded, int* offsets, T* gw, int taps, int channels, int tapCount, T* lanes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count, o0 = offsets[0], o1 = offsets[1];
        TVector a00 = default, a01 = default, a10 = default, a11 = default;
        TVector a20 = default, a21 = default, a30 = default, a31 = default;
        for (int s = 0; s < count; s++)
        {
            T* xs = padded + s * paddedLength;
            T* gs = grads + s * gradRows;
            for (int p = 0; p < rounded; p += v)
            {
                TVector g0 = TOps.Load(gs + p), g1 = TOps.Load(gs + r1 + p), g2 = TOps.Load(gs + r2 + p), g3 = TOps.Load(gs + r3 + p);
                TVector xv = TOps.Load(xs + p + o0);
                a00 = TOps.MulAdd(g0, xv, a00);
                a10 = TOps.MulAdd(g1, xv, a10);
                a20 = TOps.MulAdd(g2, xv, a20);
                a30 = TOps.MulAdd(g3, xv, a30);
                xv = TOps.Load(xs + p + o1);
                a01 = TOps.MulAdd(g0, xv, a01);
                a11 = TOps.MulAdd(g1, xv, a11);
                a21 = TOps.MulAdd(g2, xv, a21);
                a31 = TOps.MulAdd(g3, xv, a31);
            }
        }

        TVector zero = default;
        Write<T, TVector, TOps>(a00, a01, zero, zero, gw, tapCount, lanes);
        if (channels > 1) Write<T, TVector, TOps>(a10, a11, zero, zero, gw + taps, tapCount, lanes);
        if (channels > 2) Write<T, TVector, TOps>(a20, a21, zero, zero, gw + 2L * taps, tapCount, lanes);
        if (channels > 3) Write<T, TVector, TOps>(a30, a31, zero, zero, gw + 3L * taps, tapCount, lanes);
    }

    /// <summary>gw[j] = the lane sum of accumulator j, for the first <paramref name="tapCount"/> of the four.</summary>
    private static void Write<T, TVector, TOps>(TVector t0, TVector t1, TVector t2, TVector t3, T* gw, int tapCount, T* lanes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        gw[0] = LaneSum<T, TVector, TOps>(t0, lanes);
        if (tapCount > 1) gw[1] = LaneSum<T, TVector, TOps>(t1, lanes);
        if (tapCount > 2) gw[2] = LaneSum<T, TVector, TOps>(t2, lanes);
        if (tapCount > 3) gw[3] = LaneSum<T, TVector, TOps>(t3, lanes);
    }

    private static T LaneSum<T, TVector, TOps>(TVector value, T* lanes)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        TOps.Store(value, lanes);
        T sum = T.Zero;
        for (int i = 0; i < TOps.Count; i++) sum += lanes[i];
        return sum;
    }
}
