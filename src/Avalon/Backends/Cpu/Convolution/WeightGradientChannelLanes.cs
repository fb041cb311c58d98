using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// The direct weight gradient with vectors along output channels. The chunk's output gradients are copied
/// channels last ([position, channel], zero past Cout), and a block of eight taps × two vectors of output
/// channels (four taps × two vectors with 256-bit vectors; one vector for an odd last one) walks every valid output position of
/// every sample: two loads of the gradient and eight broadcast input values (at the taps' fixed offsets in
/// the padded plane, see <see cref="DirectPlaneLayout"/>) feed sixteen multiply-adds. The accumulators are
/// the gradient itself, transposed: no sum across lanes, and no work on the padded plane's extra columns;
/// each block's eight-by-32 tile goes into the gradient's [channel, tap] rows at once, after the chunk's samples
/// (the blocks take the samples one at a time, each block's tile held in a buffer between samples).
/// </summary>
internal static unsafe class WeightGradientChannelLanes
{
    /// <summary>Taps per block.</summary>
    private const int TapBlock = 8;

    /// <summary>Fewest output positions a block's pass walks between loading and storing its tile (several samples of a small plane).</summary>
    private const int MinPassPositions = 256;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<T, TVector, TOps>(in ConvGeometry g, T* x, long inSample, T* gy, long outSample, int count, T* gw, bool twoVectors)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count;
        int cout = g.OutChannelsPerGroup, taps = g.ColumnRows, outH = g.OutputHeight, outW = g.OutputWidth, outPlane = g.OutputPlane;
        int vectors = (cout + v - 1) / v, lanes = vectors * v;
        var layout = new DirectPlaneLayout(g, 1);
        int wp = layout.PaddedWidth;
        long paddedLength = layout.PaddedLength, gradSample = (long)outPlane * lanes;
        int blockedTaps = (taps + TapBlock - 1) / TapBlock * TapBlock;

        ConvolutionWorkspace ws = ConvolutionWorkspace.Current;
        T* padded = ws.Get<T>(ConvolutionScratch.Padded, count * paddedLength);
        T* grads = ws.Get<T>(ConvolutionScratch.Rows, count * gradSample);
        // Taps rounded up to the block; the extra ones repeat the last offset and are not copied out.
        int* offsets = ws.Get<int>(ConvolutionScratch.Offsets, blockedTaps);
        layout.FillOffsets(g, offsets);
        for (int t = taps; t < blockedTaps; t++) offsets[t] = offsets[taps - 1];
        for (int s = 0; s < count; s++)
        {
            layout.Pad(g, x + s * inSample, padded + s * paddedLength);
            // The sample's output gradient, channels last: grads[p, co], zero for the channels past cout.
            T* rows = grads + s * gradSample;
            new Span<T>(rows, checked((int)gradSample)).Clear();
            T* source = gy + s * outSample;
            for (int co = 0; co < cout; co++)
            for (int q = 0; q < outPlane; q++)
                rows[(long)q * lanes + co] = source[(long)co * outPlane + q];
        }

        // Every block's accumulators live in its tile between samples: sample by sample (a few at a time for
        // small planes), the samples' padded input and gradient rows stay in the core's first-level cache
        // while the blocks pass over them (a whole chunk's did not, and each block re-read it from further
        // out). Each accumulator still takes its products in the order (sample, position), as when a block
        // held it in registers over the whole chunk, so the sums are the same.
        int tapBlocks = blockedTaps / TapBlock, steps = vectors / 2 + vectors % 2;
        long tileLength = TapBlock * 2L * v, tilesLength = steps * tapBlocks * tileLength;
        T* tiles = ws.Get<T>(ConvolutionScratch.Accumulators, tilesLength);
        new Span<T>(tiles, checked((int)tilesLength)).Clear();
        // Small planes go a few samples at a time, so that a block's pass is long beside its tile's loads and stores.
        int group = Math.Clamp((MinPassPositions + outPlane - 1) / outPlane, 1, Math.Max(1, count));
        for (int s = 0; s < count; s += group)
        {
            int n = Math.Min(group, count - s);
            T* xs = padded + s * paddedLength, gs = grads + s * gradSample;
            T* tile = tiles;
            for (int cv = 0; cv < vectors;)
            {
                bool two = vectors - cv >= 2;
                int width = two ? 2 * v : v;
                for (int t = 0; t < blockedTaps; t += TapBlock, tile += tileLength)
                {
                    if (two && twoVectors)
                        Block2<T, TVector, TOps>(xs, paddedLength, gs + (long)cv * v, gradSample, lanes, n, outH, outW, wp, offsets + t, tile, width);
                    else if (two)
                    {
                        // 16 registers: two vectors of channels × four taps, twice.
                        Block2x4<T, TVector, TOps>(xs, paddedLength, gs + (long)cv * v, gradSample, lanes, n, outH, outW, wp, offsets + t, tile, width);
                        Block2x4<T, TVector, TOps>(xs, paddedLength, gs + (long)cv * v, gradSample, lanes, n, outH, outW, wp, offsets + t + 4, tile + 4 * width, width);
                    }
                    else
                        Block1<T, TVector, TOps>(xs, paddedLength, gs + (long)cv * v, gradSample, lanes, n, outH, outW, wp, offsets + t, tile, width);
                }
                cv += two ? 2 : 1;
            }
        }

        T* done = tiles;
        for (int cv = 0; cv < vectors;)
        {
            bool two = vectors - cv >= 2;
            int width = two ? 2 * v : v;
            for (int t = 0; t < blockedTaps; t += TapBlock, done += tileLength)
            {
                int channels = Math.Min(width, cout - cv * v), tapCount = Math.Min(TapBlock, taps - t);
                for (int c = 0; c < channels; c++)
                {
                    T* row = gw + (long)(cv * v + c) * taps + t;
                    for (int j = 0; j < tapCount; j++) row[j] = done[j * width + c];
                }
            }
            cv += two ? 2 : 1;
        }
    }

    /// <summary>
    /// transposed[j, c] (rows <paramref name="lanesOut"/> apart) = Σ over samples and valid positions p of grads[p, c] · padded[p + offsets[j]] for the
    /// block's eight taps j and two vectors of channels c (rows <paramref name="lanes"/> apart).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block2<T, TVector, TOps>(T* padded, long paddedLength, T* grads, long gradSample, int lanes, int count,
        int outH, int outW, int wp, int* offsets, T* transposed, int lanesOut)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count;
        int o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3], o4 = offsets[4], o5 = offsets[5], o6 = offsets[6], o7 = offsets[7];
        T* r = transposed;
        TVector a00 = TOps.Load(r), a10 = TOps.Load(r + v), a01 = TOps.Load(r += lanesOut), a11 = TOps.Load(r + v);
        TVector a02 = TOps.Load(r += lanesOut), a12 = TOps.Load(r + v), a03 = TOps.Load(r += lanesOut), a13 = TOps.Load(r + v);
        TVector a04 = TOps.Load(r += lanesOut), a14 = TOps.Load(r + v), a05 = TOps.Load(r += lanesOut), a15 = TOps.Load(r + v);
        TVector a06 = TOps.Load(r += lanesOut), a16 = TOps.Load(r + v), a07 = TOps.Load(r += lanesOut), a17 = TOps.Load(r + v);
        for (int s = 0; s < count; s++)
        for (int oh = 0; oh < outH; oh++)
        {
            T* xp = padded + s * paddedLength + (long)oh * wp;
            T* gp = grads + s * gradSample + (long)oh * outW * lanes;
            for (int ow = 0; ow < outW; ow++, xp++, gp += lanes)
            {
                TVector g0 = TOps.Load(gp), g1 = TOps.Load(gp + v);
                TVector b = TOps.Broadcast(xp[o0]);
                a00 = TOps.MulAdd(g0, b, a00);
                a10 = TOps.MulAdd(g1, b, a10);
                b = TOps.Broadcast(xp[o1]);
                a01 = TOps.MulAdd(g0, b, a01);
                a11 = TOps.MulAdd(g1, b, a11);
                b = TOps.Broadcast(xp[o2]);
                a02 = TOps.MulAdd(g0, b, a02);
                a12 = TOps.MulAdd(g1, b, a12);
                b = TOps.Broadcast(xp[o3]);
                a03 = TOps.MulAdd(g0, b, a03);
                a13 = TOps.MulAdd(g1, b, a13);
                b = TOps.Broadcast(xp[o4]);
                a04 = TOps.MulAdd(g0, b, a04);
                a14 = TOps.MulAdd(g1, b, a14);
                b = TOps.Broadcast(xp[o5]);
                a05 = TOps.MulAdd(g0, b, a05);
                a15 = TOps.MulAdd(g1, b, a15);
                b = TOps.Broadcast(xp[o6]);
                a06 = TOps.MulAdd(g0, b, a06);
                a16 = TOps.MulAdd(g1, b, a16);
                b = TOps.Broadcast(xp[o7]);
                a07 = TOps.MulAdd(g0, b, a07);
                a17 = TOps.MulAdd(g1, b, a17);
            }
        }

        r = transposed;
        TOps.Store(a00, r); TOps.Store(a10, r + v); r += lanesOut;
        TOps.Store(a01, r); TOps.Store(a11, r + v); r += lanesOut;
        TOps.Store(a02, r); TOps.Store(a12, r + v); r += lanesOut;
        TOps.Store(a03, r); TOps.Store(a13, r + v); r += lanesOut;
        TOps.Store(a04, r); TOps.Store(a14, r + v); r += lanesOut;
        TOps.Store(a05, r); TOps.Store(a15, r + v); r += lanesOut;
        TOps.Store(a06, r); TOps.Store(a16, r + v); r += lanesOut;
        TOps.Store(a07, r); TOps.Store(a17, r + v);
    }

    /// <summary>As <see cref="Block2{T, TVector, TOps}"/> for four taps: eight accumulators, for 256-bit vectors' 16 registers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block2x4<T, TVector, TOps>(T* padded, long paddedLength, T* grads, long gradSample, int lanes, int count,
        int outH, int outW, int wp, int* offsets, T* transposed, int lanesOut)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count;
        int o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3];
        T* r = transposed;
        TVector a00 = TOps.Load(r), a10 = TOps.Load(r + v), a01 = TOps.Load(r += lanesOut), a11 = TOps.Load(r + v);
        TVector a02 = TOps.Load(r += lanesOut), a12 = TOps.Load(r + v), a03 = TOps.Load(r += lanesOut), a13 = TOps.Load(r + v);
        for (int s = 0; s < count; s++)
        for (int oh = 0; oh < outH; oh++)
        {
            T* xp = padded + s * paddedLength + (long)oh * wp;
            T* gp = grads + s * gradSample + (long)oh * outW * lanes;
            for (int ow = 0; ow < outW; ow++, xp++, gp += lanes)
            {
                TVector g0 = TOps.Load(gp), g1 = TOps.Load(gp + v);
                TVector b = TOps.Broadcast(xp[o0]);
                a00 = TOps.MulAdd(g0, b, a00);
                a10 = TOps.MulAdd(g1, b, a10);
                b = TOps.Broadcast(xp[o1]);
                a01 = TOps.MulAdd(g0, b, a01);
                a11 = TOps.MulAdd(g1, b, a11);
                b = TOps.Broadcast(xp[o2]);
                a02 = TOps.MulAdd(g0, b, a02);
                a12 = TOps.MulAdd(g1, b, a12);
                b = TOps.Broadcast(xp[o3]);
                a03 = TOps.MulAdd(g0, b, a03);
                a13 = TOps.MulAdd(g1, b, a13);
            }
        }

        r = transposed;
        TOps.Store(a00, r); TOps.Store(a10, r + v); r += lanesOut;
        TOps.Store(a01, r); TOps.Store(a11, r + v); r += lanesOut;
        TOps.Store(a02, r); TOps.Store(a12, r + v); r += lanesOut;
        TOps.Store(a03, r); TOps.Store(a13, r + v);
    }

    /// <summary>As <see cref="Block2{T, TVector, TOps}"/> for one vector of channels (the 256-bit form, and an odd last vector).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block1<T, TVector, TOps>(T* padded, long paddedLength, T* grads, long gradSample, int lanes, int count,
        int outH, int outW, int wp, int* offsets, T* transposed, int lanesOut)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int o0 = offsets[0], o1 = offsets[1], o2 = offsets[2], o3 = offsets[3], o4 = offsets[4], o5 = offsets[5], o6 = offsets[6], o7 = offsets[7];
        T* r = transposed;
        TVector a0 = TOps.Load(r), a1 = TOps.Load(r += lanesOut), a2 = TOps.Load(r += lanesOut), a3 = TOps.Load(r += lanesOut);
        TVector a4 = TOps.Load(r += lanesOut), a5 = TOps.Load(r += lanesOut), a6 = TOps.Load(r += lanesOut), a7 = TOps.Load(r += lanesOut);
        for (int s = 0; s < count; s++)
        for (int oh = 0; oh < outH; oh++)
        {
            T* xp = padded + s * paddedLength + (long)oh * wp;
            T* gp = grads + s * gradSample + (long)oh * outW * lanes;
            for (int ow = 0; ow < outW; ow++, xp++, gp += lanes)
            {
                TVector g0 = TOps.Load(gp);
                a0 = TOps.MulAdd(g0, TOps.Broadcast(xp[o0]), a0);
                a1 = TOps.MulAdd(g0, TOps.Broadcast(xp[o1]), a1);
                a2 = TOps.MulAdd(g0, TOps.Broadcast(xp[o2]), a2);
                a3 = TOps.MulAdd(g0, TOps.Broadcast(xp[o3]), a3);
                a4 = TOps.MulAdd(g0, TOps.Broadcast(xp[o4]), a4);
                a5 = TOps.MulAdd(g0, TOps.Broadcast(xp[o5]), a5);
                a6 = TOps.MulAdd(g0, TOps.Broadcast(xp[o6]), a6);
                a7 = TOps.MulAdd(g0, TOps.Broadcast(xp[o7]), a7);
            }
        }

        r = transposed;
        TOps.Store(a0, r); r += lanesOut;
        TOps.Store(a1, r); r += lanesOut;
        TOps.Store(a2, r); r += lanesOut;
        TOps.Store(a3, r); r += lanesOut;
        TOps.Store(a4, r); r += lanesOut;
        TOps.Store(a5, r); r += lanesOut;
        TOps.Store(a6, r); r += lanesOut;
        TOps.Store(a7, r);
    }
}
