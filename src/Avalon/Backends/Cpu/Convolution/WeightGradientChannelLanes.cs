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
/// each block's eight-by-32 tile goes into the gradient's [channel, tap] rows at once.
/// </summary>
internal static unsafe class WeightGradientChannelLanes
{
    /// <summary>Taps per block.</summary>
    private const int TapBlock = 8;

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
        // One block's accumulators, [tap, channel]; copied into the gradient's [channel, tap] layout at once.
        T* tile = stackalloc T[TapBlock * 2 * v];
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

        for (int cv = 0; cv < vectors;)
        {
            bool two = vectors - cv >= 2;
            for (int t = 0; t < blockedTaps; t += TapBlock)
            {
                int width = two ? 2 * v : v;
                if (two && twoVectors)
                    Block2<T, TVector, TOps>(padded, paddedLength, grads + (long)cv * v, gradSample, lanes, count, outH, outW, wp, offsets + t, tile, width);
                else if (two)
                {
                    // 16 registers: two vectors of channels × four taps, twice.
                    Block2x4<T, TVector, TOps>(padded, paddedLength, grads + (long)cv * v, gradSample, lanes, count, outH, outW, wp, offsets + t, tile, width);
                    Block2x4<T, TVector, TOps>(padded, paddedLength, grads + (long)cv * v, gradSample, lanes, count, outH, outW, wp, offsets + t + 4, tile + 4 * width, width);
                }
                else
                    Block1<T, TVector, TOps>(padded, paddedLength, grads + (long)cv * v, gradSample, lanes, count, outH, outW, wp, offsets + t, tile, width);
                int channels = Math.Min(width, cout - cv * v), tapCount = Math.Min(TapBlock, taps - t);
                for (int c = 0; c < channels; c++)
                {
                    T* row = gw + (long)(cv * v + c) * taps + t;
                    for (int j = 0; j < tapCount; j++) row[j] = tile[j * width + c];
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
        TVector a00 = default, a01 = default, a02 = default, a03 = default, a04 = default, a05 = default, a06 = default, a07 = default;
        TVector a10 = default, a11 = default, a12 = default, a13 = default, a14 = default, a15 = default, a16 = default, a17 = default;
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

        T* r = transposed;
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
        TVector a00 = default, a01 = default, a02 = default, a03 = default;
        TVector a10 = default, a11 = default, a12 = default, a13 = default;
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

        T* r = transposed;
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
        TVector a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
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

        T* r = transposed;
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
