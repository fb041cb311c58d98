using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// The direct weight gradient with vectors along output positions, for layers with few taps (the first
/// layer of an image network: one to three input channels): per vector of positions, four loads of the
/// output gradient and one input load per tap feed a block of four output channels × four taps (two with
/// 256-bit vectors), whose accumulators stay in registers over a sample's positions (kept between samples in a
/// small buffer: a sample's data is walked once per block while it is in the first-level cache) and are summed
/// across lanes once, after the chunk. The output gradient is copied into rows of the padded width, zero past outW, so the
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
        int v = TOps.Count;
        var layout = new DirectPlaneLayout(g, v);
        int wp = layout.PaddedWidth, rounded = layout.Rounded;
        long gradRows = (long)cout * rounded;

        ConvolutionWorkspace ws = ConvolutionWorkspace.Current;
        T* padded = ws.Get<T>(ConvolutionScratch.Padded, layout.PaddedLength);
        T* grads = ws.Get<T>(ConvolutionScratch.Rows, gradRows);
        // Taps rounded up to the block; the extra ones repeat the last offset and are not written out.
        int channelBlocks = (cout + ChannelBlock - 1) / ChannelBlock, tapBlocks = (taps + tapBlock - 1) / tapBlock;
        int blockedTaps = tapBlocks * tapBlock, blockVectors = ChannelBlock * tapBlock;
        int* offsets = ws.Get<int>(ConvolutionScratch.Offsets, blockedTaps);
        layout.FillOffsets(g, offsets);
        for (int t = taps; t < blockedTaps; t++) offsets[t] = offsets[taps - 1];
        long accLength = (long)channelBlocks * tapBlocks * blockVectors * v;
        T* acc = ws.Get<T>(ConvolutionScratch.Accumulators, accLength);
        new Span<T>(acc, checked((int)accLength)).Clear();

        // Sample by sample: one sample's padded input and gradient rows stay in the core's first-level
        // cache while every block of accumulators passes over them (a whole chunk's did not, and each
        // block re-read it from further out). Each accumulator still takes its products in the order
        // (sample, position), so the sums are the ones a block held in registers over the chunk would make.
        for (int s = 0; s < count; s++)
        {
            layout.Pad(g, x + s * inSample, padded);
            new Span<T>(grads, checked((int)gradRows)).Clear();
            for (int co = 0; co < cout; co++)
            for (int oh = 0; oh < outH; oh++)
                new ReadOnlySpan<T>(gy + s * outSample + (long)co * outPlane + (long)oh * outW, outW)
                    .CopyTo(new Span<T>(grads + (long)co * rounded + (long)oh * wp, outW));

            T* block = acc;
            for (int co = 0; co < cout; co += ChannelBlock)
            {
                int channels = Math.Min(ChannelBlock, cout - co);
                // A short block repeats its last channel's rows; the repeats are not written out.
                long r1 = Math.Min(1, channels - 1) * (long)rounded, r2 = Math.Min(2, channels - 1) * (long)rounded, r3 = Math.Min(3, channels - 1) * (long)rounded;
                T* rows = grads + (long)co * rounded;
                for (int t = 0; t < taps; t += tapBlock, block += blockVectors * v)
                {
                    if (tapBlock == 4) Block4<T, TVector, TOps>(padded, rows, r1, r2, r3, rounded, offsets + t, block);
                    else Block2<T, TVector, TOps>(padded, rows, r1, r2, r3, rounded, offsets + t, block);
                }
            }
        }

        T* lanes = stackalloc T[v];
        T* sums = acc;
        for (int co = 0; co < cout; co += ChannelBlock)
        {
            int channels = Math.Min(ChannelBlock, cout - co);
            for (int t = 0; t < taps; t += tapBlock, sums += blockVectors * v)
            {
                int tapCount = Math.Min(tapBlock, taps - t);
                // Accumulator (channel c, tap j) of a block is vector c · tapBlock + j.
                for (int c = 0; c < channels; c++)
                for (int j = 0; j < tapCount; j++)
                    gw[(long)(co + c) * taps + t + j] = LaneSum<T, TVector, TOps>(TOps.Load(sums + (c * tapBlock + j) * v), lanes);
            }
        }
    }

    /// <summary>
    /// Four channels (rows 0, r1, r2, r3 of <paramref name="grads"/>) × four taps over one sample's positions,
    /// onto the 16 accumulators at <paramref name="acc"/> (vector c·4 + j: channel c, tap j).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block4<T, TVector, TOps>(T* xs, T* grads, long r1, long r2, long r3, int rounded, int* offsets, T* acc)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count, o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3];
        TVector a00 = TOps.Load(acc), a01 = TOps.Load(acc + v), a02 = TOps.Load(acc + 2 * v), a03 = TOps.Load(acc + 3 * v);
        TVector a10 = TOps.Load(acc + 4 * v), a11 = TOps.Load(acc + 5 * v), a12 = TOps.Load(acc + 6 * v), a13 = TOps.Load(acc + 7 * v);
        TVector a20 = TOps.Load(acc + 8 * v), a21 = TOps.Load(acc + 9 * v), a22 = TOps.Load(acc + 10 * v), a23 = TOps.Load(acc + 11 * v);
        TVector a30 = TOps.Load(acc + 12 * v), a31 = TOps.Load(acc + 13 * v), a32 = TOps.Load(acc + 14 * v), a33 = TOps.Load(acc + 15 * v);
        T* gs = grads;
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

        TOps.Store(a00, acc); TOps.Store(a01, acc + v); TOps.Store(a02, acc + 2 * v); TOps.Store(a03, acc + 3 * v);
        TOps.Store(a10, acc + 4 * v); TOps.Store(a11, acc + 5 * v); TOps.Store(a12, acc + 6 * v); TOps.Store(a13, acc + 7 * v);
        TOps.Store(a20, acc + 8 * v); TOps.Store(a21, acc + 9 * v); TOps.Store(a22, acc + 10 * v); TOps.Store(a23, acc + 11 * v);
        TOps.Store(a30, acc + 12 * v); TOps.Store(a31, acc + 13 * v); TOps.Store(a32, acc + 14 * v); TOps.Store(a33, acc + 15 * v);
    }

    /// <summary>Four channels × two taps: the 256-bit form (eight accumulators, vector c·2 + j, beside the loads in 16 registers).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block2<T, TVector, TOps>(T* xs, T* grads, long r1, long r2, long r3, int rounded, int* offsets, T* acc)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count, o0 = offsets[0], o1 = offsets[1];
        TVector a00 = TOps.Load(acc), a01 = TOps.Load(acc + v), a10 = TOps.Load(acc + 2 * v), a11 = TOps.Load(acc + 3 * v);
        TVector a20 = TOps.Load(acc + 4 * v), a21 = TOps.Load(acc + 5 * v), a30 = TOps.Load(acc + 6 * v), a31 = TOps.Load(acc + 7 * v);
        T* gs = grads;
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

        TOps.Store(a00, acc); TOps.Store(a01, acc + v); TOps.Store(a10, acc + 2 * v); TOps.Store(a11, acc + 3 * v);
        TOps.Store(a20, acc + 4 * v); TOps.Store(a21, acc + 5 * v); TOps.Store(a30, acc + 6 * v); TOps.Store(a31, acc + 7 * v);
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
