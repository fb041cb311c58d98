using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// The direct convolution forward with vectors along output channels: the weight is transposed once per
/// call to [tap, channel] rows (zero past Cout), and a block of eight output positions × two vectors of
/// channels (one with 256-bit vectors, and for an odd last vector) runs over the taps: two weight loads and
/// eight broadcast inputs, at the taps' fixed offsets in the padded plane (<see cref="DirectPlaneLayout"/>),
/// feed sixteen multiply-adds. Only valid positions are computed — the padded plane's extra columns, a fifth of the work
/// of a 3×3 layer on 7² along positions and a third of a 5×5 on 12² with no padding, cost nothing — and the
/// channels-last result is written into the NCHW output with the bias.
/// </summary>
internal static unsafe class ForwardChannelLanes
{
    /// <summary>Output positions per block.</summary>
    private const int PositionBlock = 8;

    /// <summary>Vector lanes per output channel row of the transposed weight for <paramref name="g"/>: Cout/groups rounded up to vectors.</summary>
    public static int Lanes<T>(in ConvGeometry g) where T : unmanaged
    {
        int v = VectorCount<T>();
        return (g.OutChannelsPerGroup + v - 1) / v * v;
    }

    /// <summary>Elements of T per vector of the kernel used on this machine.</summary>
    public static int VectorCount<T>() where T : unmanaged =>
        (GemmMicroKernel512<float>.IsSupported ? 64 : 32) / sizeof(T);

    /// <summary>
    /// The transposed weight of every group, [groups, taps, lanes], in the calling thread's workspace (the
    /// workers only read it while the call runs).
    /// </summary>
    public static T* TransposeWeight<T>(in ConvGeometry g, T* w) where T : unmanaged
    {
        int taps = g.ColumnRows, cout = g.OutChannelsPerGroup, lanes = Lanes<T>(g);
        long perGroup = (long)taps * lanes;
        T* transposed = ConvolutionWorkspace.Current.Get<T>(ConvolutionScratch.LaneWeight, g.Groups * perGroup);
        new Span<T>(transposed, checked((int)(g.Groups * perGroup))).Clear();
        for (int grp = 0; grp < g.Groups; grp++)
        for (int co = 0; co < cout; co++)
        {
            T* source = w + ((long)grp * cout + co) * taps;
            T* target = transposed + grp * perGroup + co;
            for (int t = 0; t < taps; t++) target[(long)t * lanes] = source[t];
        }
        return transposed;
    }

    /// <summary>One sample and group: y[coutG, outPlane] = conv(x, w) (+ bias when not null), with <paramref name="wT"/> the group's transposed weight.</summary>
    public static void Run<T>(in ConvGeometry g, T* x, T* wT, T* bias, T* y) where T : unmanaged
        => Run(g, x, wT, bias, y, 0, (g.OutChannelsPerGroup + VectorCount<T>() - 1) / VectorCount<T>());

    /// <summary>As <see cref="Run{T}(in ConvGeometry, T*, T*, T*, T*)"/> for the output channels of vectors [<paramref name="firstVector"/>, <paramref name="endVector"/>) only.</summary>
    public static void Run<T>(in ConvGeometry g, T* x, T* wT, T* bias, T* y, int firstVector, int endVector) where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            if (GemmMicroKernel512<float>.IsSupported)
                Run<float, Vector512<float>, GemmMicroKernel512<float>>(g, (float*)x, (float*)wT, (float*)bias, (float*)y, firstVector, endVector);
            else
                Run<float, Vector256<float>, GemmMicroKernel256<float>>(g, (float*)x, (float*)wT, (float*)bias, (float*)y, firstVector, endVector);
        }
        else if (typeof(T) == typeof(double))
        {
            if (GemmMicroKernel512<double>.IsSupported)
                Run<double, Vector512<double>, GemmMicroKernel512<double>>(g, (double*)x, (double*)wT, (double*)bias, (double*)y, firstVector, endVector);
            else
                Run<double, Vector256<double>, GemmMicroKernel256<double>>(g, (double*)x, (double*)wT, (double*)bias, (double*)y, firstVector, endVector);
        }
        else
            throw OpErrors.NotSupported("conv", $"the direct kernel has no {typeof(T).Name} instance; expected float or double.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T, TVector, TOps>(in ConvGeometry g, T* x, T* wT, T* bias, T* y, int firstVector, int endVector)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count, cout = g.OutChannelsPerGroup, taps = g.ColumnRows, outW = g.OutputWidth, outPlane = g.OutputPlane;
        int vectors = (cout + v - 1) / v, lanes = vectors * v;
        int blocked = (outPlane + PositionBlock - 1) / PositionBlock * PositionBlock;
        var layout = new DirectPlaneLayout(g, 1);

        ConvolutionWorkspace ws = ConvolutionWorkspace.Current;
        T* padded = ws.Get<T>(ConvolutionScratch.Padded, layout.PaddedLength);
        T* result = ws.Get<T>(ConvolutionScratch.Rows, (long)blocked * lanes);
        int* offsets = ws.Get<int>(ConvolutionScratch.Offsets, taps + blocked);
        int* bases = offsets + taps;
        layout.Pad(g, x, padded);
        layout.FillOffsets(g, offsets);
        // Each output position's first tap in the padded plane; the last block repeats the last position.
        for (int p = 0; p < blocked; p++)
        {
            int q = Math.Min(p, outPlane - 1);
            bases[p] = q / outW * layout.PaddedWidth + q % outW;
        }

        for (int p = 0; p < blocked; p += PositionBlock)
        {
            for (int cv = 0; cv < vectors;)
            {
                // Two vectors' sixteen accumulators need 512-bit's 32 registers; with 16, one vector at a time.
                if (TOps.Count * sizeof(T) == 64 && vectors - cv >= 2)
                {
                    Block2<T, TVector, TOps>(padded, bases + p, offsets, taps, wT + (long)cv * v, lanes, result + (long)p * lanes + (long)cv * v);
                    cv += 2;
                }
                else
                {
                    Block1<T, TVector, TOps>(padded, bases + p, offsets, taps, wT + (long)cv * v, lanes, result + (long)p * lanes + (long)cv * v);
                    cv++;
                }
            }
        }

        for (int co = firstVector * v, coEnd = Math.Min(cout, endVector * v); co < coEnd; co++)
        {
            T b = bias == null ? T.Zero : bias[co];
            T* row = y + (long)co * outPlane;
            T* column = result + co;
            if (bias == null)
                for (int p = 0; p < outPlane; p++) row[p] = column[(long)p * lanes];
            else
                for (int p = 0; p < outPlane; p++) row[p] = column[(long)p * lanes] + b;
        }
    }

    /// <summary>result[i, c] = Σ_t wT[t, c] · padded[bases[i] + offsets[t]] for eight positions i and two vectors of channels c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block2<T, TVector, TOps>(T* padded, int* bases, int* offsets, int taps, T* wT, int lanes, T* result)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count;
        T* x0 = padded + bases[0], x1 = padded + bases[1], x2 = padded + bases[2], x3 = padded + bases[3];
        T* x4 = padded + bases[4], x5 = padded + bases[5], x6 = padded + bases[6], x7 = padded + bases[7];
        TVector a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default, a30 = default, a31 = default;
        TVector a40 = default, a41 = default, a50 = default, a51 = default, a60 = default, a61 = default, a70 = default, a71 = default;
        T* w = wT;
        for (int t = 0; t < taps; t++, w += lanes)
        {
            int o = offsets[t];
            TVector w0 = TOps.Load(w), w1 = TOps.Load(w + v);
            TVector b = TOps.Broadcast(x0[o]);
            a00 = TOps.MulAdd(w0, b, a00);
            a01 = TOps.MulAdd(w1, b, a01);
            b = TOps.Broadcast(x1[o]);
            a10 = TOps.MulAdd(w0, b, a10);
            a11 = TOps.MulAdd(w1, b, a11);
            b = TOps.Broadcast(x2[o]);
            a20 = TOps.MulAdd(w0, b, a20);
            a21 = TOps.MulAdd(w1, b, a21);
            b = TOps.Broadcast(x3[o]);
            a30 = TOps.MulAdd(w0, b, a30);
            a31 = TOps.MulAdd(w1, b, a31);
            b = TOps.Broadcast(x4[o]);
            a40 = TOps.MulAdd(w0, b, a40);
            a41 = TOps.MulAdd(w1, b, a41);
            b = TOps.Broadcast(x5[o]);
            a50 = TOps.MulAdd(w0, b, a50);
            a51 = TOps.MulAdd(w1, b, a51);
            b = TOps.Broadcast(x6[o]);
            a60 = TOps.MulAdd(w0, b, a60);
            a61 = TOps.MulAdd(w1, b, a61);
            b = TOps.Broadcast(x7[o]);
            a70 = TOps.MulAdd(w0, b, a70);
            a71 = TOps.MulAdd(w1, b, a71);
        }

        T* r = result;
        TOps.Store(a00, r); TOps.Store(a01, r + v); r += lanes;
        TOps.Store(a10, r); TOps.Store(a11, r + v); r += lanes;
        TOps.Store(a20, r); TOps.Store(a21, r + v); r += lanes;
        TOps.Store(a30, r); TOps.Store(a31, r + v); r += lanes;
        TOps.Store(a40, r); TOps.Store(a41, r + v); r += lanes;
        TOps.Store(a50, r); TOps.Store(a51, r + v); r += lanes;
        TOps.Store(a60, r); TOps.Store(a61, r + v); r += lanes;
        TOps.Store(a70, r); TOps.Store(a71, r + v);
    }

    /// <summary>As <see cref="Block2{T, TVector, TOps}"/> for one vector of channels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block1<T, TVector, TOps>(T* padded, int* bases, int* offsets, int taps, T* wT, int lanes, T* result)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        T* x0 = padded + bases[0], x1 = padded + bases[1], x2 = padded + bases[2], x3 = padded + bases[3];
        T* x4 = padded + bases[4], x5 = padded + bases[5], x6 = padded + bases[6], x7 = padded + bases[7];
        TVector a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
        T* w = wT;
        for (int t = 0; t < taps; t++, w += lanes)
        {
            int o = offsets[t];
            TVector w0 = TOps.Load(w);
            a0 = TOps.MulAdd(w0, TOps.Broadcast(x0[o]), a0);
            a1 = TOps.MulAdd(w0, TOps.Broadcast(x1[o]), a1);
            a2 = TOps.MulAdd(w0, TOps.Broadcast(x2[o]), a2);
            a3 = TOps.MulAdd(w0, TOps.Broadcast(x3[o]), a3);
            a4 = TOps.MulAdd(w0, TOps.Broadcast(x4[o]), a4);
            a5 = TOps.MulAdd(w0, TOps.Broadcast(x5[o]), a5);
            a6 = TOps.MulAdd(w0, TOps.Broadcast(x6[o]), a6);
            a7 = TOps.MulAdd(w0, TOps.Broadcast(x7[o]), a7);
        }

        T* r = result;
        TOps.Store(a0, r); r += lanes;
        TOps.Store(a1, r); r += lanes;
        TOps.Store(a2, r); r += lanes;
        TOps.Store(a3, r); r += lanes;
        TOps.Store(a4, r); r += lanes;
        TOps.Store(a5, r); r += lanes;
        TOps.Store(a6, r); r += lanes;
        TOps.Store(a7, r);
    }
}
