using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Direct convolution forward for stride-1, undilated layers (2d or 1d) whose padded sample fits
/// <see cref="MaxPaddedBytes"/>: no column matrix at all. Im2col + GEMM writes a column matrix the kernel
/// area times the input's size, packs it and reads it again; for the small planes and thin channel counts
/// of small image networks that traffic and the GEMM's edge tiles (a 7×7 plane is 49 columns) cost more
/// than the arithmetic. Measured on one thread (AVX-512): 3×3 layers 16→32 on 14×14 1.4× and 32→32 on 7×7
/// 2.4× faster than im2col + GEMM; 5×5 20→50 on 12×12 and the one-channel first layers equal.
/// </summary>
/// <remarks>
/// <para>The sample's input is copied once into a zero-padded buffer (see <see cref="DirectPlaneLayout"/>):
/// over the flattened padded plane every tap is a fixed offset, and each output channel is one
/// one-dimensional correlation over contiguous memory. Positions with ow ≥ outW are computed too and
/// dropped when the rows are copied out; they cost (kW − 1)/Wp of the work.</para>
/// <para>Per tap, two vectors of input positions meet the broadcast weights of a block of output channels —
/// eight with 512-bit vectors (16 accumulators of 32 registers), six with 256-bit ones (12 of 16; four for a
/// remainder that six would leave short) — and the accumulators stay in registers over all the taps. Against
/// four-channel blocks the six measured 0.84–1.0× the time on the benchmark CNN's 3×3 layers (one thread,
/// Zen 3, A/B in one process, best of 60 on a shared machine): the kernel is near its load and FMA bound either way. Each output is one sum over the taps in weight
/// order, whatever the thread count.</para>
/// </remarks>
internal static unsafe class DirectConvolution
{
    /// <summary>
    /// Largest padded sample (one group's input channels, in bytes) for which the direct kernels are used:
    /// every block of output channels walks the whole padded sample, which should stay in the core's caches.
    /// </summary>
    public const long MaxPaddedBytes = 4 << 20;

    /// <summary>Output channels computed together with 256-bit vectors where fewer than ten (but not five or six) remain, and for a short last block.</summary>
    private const int ChannelBlock = 4;

    /// <summary>Output channels computed together with 256-bit vectors: 12 accumulators, two loads and a broadcast fill 15 of the 16 registers.</summary>
    private const int MidChannelBlock = 6;

    /// <summary>Output channels computed together with 512-bit vectors.</summary>
    private const int WideChannelBlock = 8;

    /// <summary>
    /// The channel count by which a slice is cut across threads: the block the kernel computes together
    /// (eight channels with 512-bit vectors, six with 256-bit ones; any range decomposes into blocks).
    /// </summary>
    public static int ChannelSplitUnit => GemmMicroKernel512<float>.IsSupported ? WideChannelBlock : MidChannelBlock;

    /// <summary>
    /// Whether 256-bit vectors compute six channels at a time (the default) rather than four: a switch for
    /// tests, which check that both give the same bits, and for measuring one against the other in a process.
    /// </summary>
    internal static bool SixChannelBlocks { get; set; } = true;

    /// <summary>
    /// Whether the forward computes whole vectors per output row where that computes fewer positions than the
    /// padded rows (<see cref="DirectPlaneLayout.ComputedRowStride"/>; tests and benchmarks compare).
    /// </summary>
    internal static bool RowVectors { get; set; } = true;

    /// <summary>
    /// Forces the forward's vector width on a machine with 512-bit vectors (null: <see cref="NarrowVectors{T}"/>'s
    /// rule); tests check that both widths give the same bits, benchmarks compare them in one process.
    /// </summary>
    internal static bool? NarrowVectorsOverride { get; set; }

    /// <summary>Vectors of output positions computed together.</summary>
    private const int VectorBlock = 2;

    /// <summary>How much less work the narrow width must do: a twentieth, so equal layouts under a gain read as 0.99 keep the wide kernel.</summary>
    private const double NarrowMargin = 1.05;

    /// <summary>
    /// The per-call transposition of the weight for channel lanes, in positions' work per output of one sample: it
    /// costs about what 20 output positions do. Measured on Zen 4 (A/B in one process, 2 threads): the CNN's 32→32
    /// layer on 7² at batch 1 took 0.0170 ms along exact channel lanes and 0.0126 ms in 256-bit vectors along
    /// positions (8 of 7 columns), so the lanes cost about 1.5 positions per output for one image's 49 (0.74× with
    /// the narrow kernel); the term counts for a single image and vanishes at batch 100.
    /// </summary>
    private const double LaneTransposeCost = 20;

    /// <summary>
    /// Whether the forward of <paramref name="g"/> runs in 256-bit vectors on a machine with 512-bit ones: where
    /// the 256-bit layout computes fewer positions per output than the best 512-bit one (along positions, or along
    /// channels when <see cref="PrefersChannelLanes{T}"/> would take it, its weight transposition counted per
    /// call: <see cref="LaneTransposeCost"/>) by more than the 512-bit vectors'
    /// throughput gain (<see cref="VectorThroughput.WideGain"/>) and a margin. LeNet's 20→50 5×5 layer has 8-wide output rows in
    /// a 12-wide plane: whole 8-lane vectors compute no dropped column, 16-lane ones compute the padded rows
    /// (1.5× the work) or 64 channel lanes for 50 channels (1.28×). Measured on Zen 4, whose 512-bit operations are
    /// two 256-bit halves (gain measured 1.00), A/B in one process, medians of 30 interleaved rounds, 2 threads: that
    /// layer's forward took 0.77× the 512-bit kernel's time at batch 100 and 0.34× at batch 1 (where the 512-bit
    /// kernel also transposes the weight for its channel lanes on every call); LeNet's first layer (24-wide rows of
    /// a 28-wide plane, one input channel) 1.01–1.02×, no change. Both widths sum every output over the taps in weight order, so the
    /// choice changes no bits.
    /// </summary>
    public static bool NarrowVectors<T>(in ConvGeometry g) where T : unmanaged
    {
        if (!GemmMicroKernel512<float>.IsSupported) return false;
        if (NarrowVectorsOverride is bool forced) return forced;
        int outW = g.OutputWidth;
        if (outW <= 0) return false;
        double narrowWork = (double)DirectPlaneLayout.ComputedRowStride(g, RowVectors ? 32 / sizeof(T) : 0) / outW;
        double wideWork = (double)DirectPlaneLayout.ComputedRowStride(g, RowVectors ? 64 / sizeof(T) : 0) / outW;
        if (WideChannelLanesPay<T>(g))
            wideWork = Math.Min(wideWork, (double)ForwardChannelLanes.Lanes<T>(g) / g.OutChannelsPerGroup +
                LaneTransposeCost / ((double)g.Batch * g.OutputPlane));
        return narrowWork * VectorThroughput.WideGain * NarrowMargin < wideWork;
    }

    /// <summary>Whether <paramref name="g"/> takes the direct kernel for element type <typeparamref name="T"/> on this machine.</summary>
    public static bool Applies<T>(in ConvGeometry g) where T : unmanaged =>
        (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && GemmMicroKernel256<float>.IsSupported &&
        g.InputDepth == 1 && g.KernelDepth == 1 && g.PadDepth == 0 &&
        g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1 &&
        g.KernelVolume > 1 &&
        new DirectPlaneLayout(g, 64).PaddedLength * (typeof(T) == typeof(double) ? 8 : 4) <= MaxPaddedBytes;

    /// <summary>
    /// Whether the forward of <paramref name="g"/> (which <see cref="Applies{T}"/>) is faster direct than by
    /// im2col + GEMM: always with 512-bit vectors (measured 1.0–2.9× on the layers in the class remarks);
    /// with 256-bit vectors alone, where the kernel along positions is the only one, when the padded rows'
    /// extra columns are at most a third of its work: LeNet's 20→50 5×5 on 12² (a third) takes 0.90–0.92× the
    /// GEMM path's time with six-channel blocks (one thread, Zen 3, best of 60, A/B in one process; 0.86× the
    /// other way with the four-channel blocks before them); 3×3 on 14² and 7² (an eighth, two ninths) 1.2×
    /// and 2.0× faster.
    /// </summary>
    public static bool ForwardPays<T>(in ConvGeometry g) where T : unmanaged
    {
        if (GemmMicroKernel512<float>.IsSupported) return true;
        long stride = DirectPlaneLayout.ComputedRowStride(g, RowVectors ? 32 / sizeof(T) : 0);
        return 3 * (stride - g.OutputWidth) <= stride;
    }

    /// <summary>
    /// Whether <paramref name="g"/> (which <see cref="Applies{T}"/>) runs faster along channels
    /// (<see cref="ForwardChannelLanes"/>) than along positions: with at least two vectors of output channels
    /// per group, when the padded rows' extra columns are at least a sixth of the work along positions and
    /// more than the lanes that round the channels up to whole vectors, and when a block's weight rows (taps
    /// × two vectors) fit 64 KiB, since every block of positions reads them again.
    /// </summary>
    /// <remarks>
    /// Measured on one thread (AVX-512, best of 20): along channels, 32→32 3×3 on 7² (extra columns 2/9) is
    /// 1.1× and 20→50 5×5 on 12² (1/3) 1.25× faster; where the extra columns are fewer it does not pay, or
    /// loses when the weight rows leave the cache (16→32 on 14² 1.06×, 64→64 on 56² 0.96×, 256→256 on 14² 0.68×).
    /// </remarks>
    public static bool PrefersChannelLanes<T>(in ConvGeometry g) where T : unmanaged =>
        WideChannelLanesPay<T>(g) && !NarrowVectors<T>(g);

    // PrefersChannelLanes' rule for the 512-bit kernels, before the choice of width.
    private static bool WideChannelLanesPay<T>(in ConvGeometry g) where T : unmanaged
    {
        // With 16 registers (256-bit) a block holds one vector of channels, which is load-bound: measured
        // 0.7–0.8× the kernel along positions on 7² and 12² layers.
        if (!GemmMicroKernel512<float>.IsSupported) return false;
        int v = ForwardChannelLanes.VectorCount<T>(), cout = g.OutChannelsPerGroup, lanes = ForwardChannelLanes.Lanes<T>(g);
        long wp = g.InputWidth + 2L * g.PadWidth, extra = wp - g.OutputWidth;
        return cout >= 2 * v && 6 * extra >= wp && (long)(lanes - cout) * wp < extra * lanes &&
            (long)g.ColumnRows * 2 * v * sizeof(T) <= 64 * 1024;
    }

    /// <summary>
    /// One sample and group: y[coutG, outPlane] = conv(x[cinG, inPlane], w[coutG, taps]) (+ bias[coutG] when not null).
    /// </summary>
    public static void Run<T>(in ConvGeometry g, T* x, T* w, T* bias, T* y) where T : unmanaged
        => Run(g, x, w, bias, y, 0, g.OutChannelsPerGroup);

    /// <summary>As <see cref="Run{T}(in ConvGeometry, T*, T*, T*, T*)"/> for output channels [<paramref name="coStart"/>, <paramref name="coEnd"/>) of the group only.</summary>
    public static void Run<T>(in ConvGeometry g, T* x, T* w, T* bias, T* y, int coStart, int coEnd) where T : unmanaged
    {
        // The type tests fold away per instantiation; AVX-512 where the machine has it and the layer's rows suit it, else AVX2.
        if (typeof(T) == typeof(float))
        {
            if (GemmMicroKernel512<float>.IsSupported && !NarrowVectors<T>(g))
                Run<float, Vector512<float>, GemmMicroKernel512<float>>(g, (float*)x, (float*)w, (float*)bias, (float*)y, coStart, coEnd);
            else
                Run<float, Vector256<float>, GemmMicroKernel256<float>>(g, (float*)x, (float*)w, (float*)bias, (float*)y, coStart, coEnd);
        }
        else if (typeof(T) == typeof(double))
        {
            if (GemmMicroKernel512<double>.IsSupported && !NarrowVectors<T>(g))
                Run<double, Vector512<double>, GemmMicroKernel512<double>>(g, (double*)x, (double*)w, (double*)bias, (double*)y, coStart, coEnd);
            else
                Run<double, Vector256<double>, GemmMicroKernel256<double>>(g, (double*)x, (double*)w, (double*)bias, (double*)y, coStart, coEnd);
        }
        else
            throw OpErrors.NotSupported("conv", $"the direct kernel has no {typeof(T).Name} instance; expected float or double.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T, TVector, TOps>(in ConvGeometry g, T* x, T* w, T* bias, T* y, int coStart, int cout)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int taps = g.ColumnRows, outH = g.OutputHeight, outW = g.OutputWidth;
        // 512-bit vectors have 32 registers: eight channels' accumulators fit beside the loads. 256-bit ones keep the
        // six-channel blocks of 16 registers even on an AVX-512 machine, whose 32 would hold eight: measured there
        // (LeNet's 20→50 5×5, batch 100) eight took 1.1× the time of six.
        bool wide = typeof(TVector) == typeof(Vector512<float>) || typeof(TVector) == typeof(Vector512<double>);
        var layout = new DirectPlaneLayout(g, VectorBlock * TOps.Count, RowVectors ? TOps.Count : 0);
        int wp = layout.PaddedWidth, rounded = layout.Rounded, rowStride = layout.RowStride;

        ConvolutionWorkspace ws = ConvolutionWorkspace.Current;
        T* padded = ws.Get<T>(ConvolutionScratch.Padded, layout.PaddedLength);
        T* rows = ws.Get<T>(ConvolutionScratch.Rows, (long)WideChannelBlock * rounded);
        int* offsets = ws.Get<int>(ConvolutionScratch.Offsets, taps);
        layout.Pad(g, x, padded);
        layout.FillOffsets(g, offsets);

        for (int co = coStart; co < cout;)
        {
            int channels;
            if (wide && cout - co >= WideChannelBlock)
            {
                channels = WideChannelBlock;
                Block8<T, TVector, TOps>(padded, offsets, taps, w + (long)co * taps, taps, rows, rounded, rowStride, wp);
            }
            else if (!wide && SixChannelBlocks && (cout - co >= 10 || cout - co == 6 || cout - co == 5))
            {
                // Six at a time, except where that would leave two (or one, three) for a last block: 8 is 4 + 4.
                channels = Math.Min(MidChannelBlock, cout - co);
                T* w0 = w + (long)co * taps;
                Block6<T, TVector, TOps>(padded, offsets, taps, w0, w0 + taps, w0 + 2L * taps, w0 + 3L * taps, w0 + 4L * taps,
                    w + (long)(co + channels - 1) * taps, rows, rounded, rowStride, wp);
            }
            else
            {
                channels = Math.Min(ChannelBlock, cout - co);
                // A short last block repeats its last channel; the repeats are computed and not copied out.
                T* w0 = w + (long)co * taps;
                T* w1 = w + (long)(co + Math.Min(1, channels - 1)) * taps;
                T* w2 = w + (long)(co + Math.Min(2, channels - 1)) * taps;
                T* w3 = w + (long)(co + Math.Min(3, channels - 1)) * taps;
                Block<T, TVector, TOps>(padded, offsets, taps, w0, w1, w2, w3, rows, rounded, rowStride, wp);
            }

            for (int c = 0; c < channels; c++)
            {
                T b = bias == null ? T.Zero : bias[co + c];
                T* src = rows + (long)c * rounded;
                T* dst = y + (long)(co + c) * outH * outW;
                for (int oh = 0; oh < outH; oh++, src += rowStride, dst += outW)
                    AddRow<T, TVector, TOps>(src, b, dst, outW);
            }
            co += channels;
        }
    }

    /// <summary>
    /// dst[i] = src[i] + b for i in [0, n): a short row (one output row of a plane) with the kernel's own vector
    /// type, not TensorPrimitives, whose per-call cost on rows of 7–28 elements was most of a first layer's
    /// forward in some processes (its operator left in the unoptimised tier, measured 7× slower).
    /// x · 1 + b with one rounding is exactly x + b.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AddRow<T, TVector, TOps>(T* src, T b, T* dst, int n)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count, i = 0;
        if (n >= v)
        {
            TVector one = TOps.Broadcast(T.One), add = TOps.Broadcast(b);
            for (; i + v <= n; i += v) TOps.Store(TOps.MulAdd(TOps.Load(src + i), one, add), dst + i);
            if (i < n)
            {
                // The last vector ends at the row's end, overlapping outputs already written with the same values.
                i = n - v;
                TOps.Store(TOps.MulAdd(TOps.Load(src + i), one, add), dst + i);
                return;
            }
        }
        for (; i < n; i++) dst[i] = src[i] + b;
    }

    /// <summary>rows[c, p] = Σ_t w[c, t] · padded[p + offsets[t]] for eight channels c (rows c·length apart) and p in [0, length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block8<T, TVector, TOps>(T* padded, int* offsets, int taps, T* w, int wStride, T* rows, int length, int rowStride, int wp)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count;
        T* w0 = w, w1 = w + wStride, w2 = w + 2 * wStride, w3 = w + 3 * wStride;
        T* w4 = w + 4 * wStride, w5 = w + 5 * wStride, w6 = w + 6 * wStride, w7 = w + 7 * wStride;
        for (int p = 0; p < length; p += 2 * v)
        {
            TVector a00 = default, a01 = default, a10 = default, a11 = default;
            TVector a20 = default, a21 = default, a30 = default, a31 = default;
            TVector a40 = default, a41 = default, a50 = default, a51 = default;
            TVector a60 = default, a61 = default, a70 = default, a71 = default;
            // The block's two vectors: consecutive positions, or in their output rows (see DirectPlaneLayout.RowStride).
            long first = DirectPlaneLayout.Origin(p, rowStride, wp);
            T* origin = padded + first;
            nint second = (nint)(DirectPlaneLayout.Origin(p + v, rowStride, wp) - first);
            for (int t = 0; t < taps; t++)
            {
                T* src = origin + offsets[t];
                TVector x0 = TOps.Load(src), x1 = TOps.Load(src + second);
                TVector b = TOps.Broadcast(w0[t]);
                a00 = TOps.MulAdd(b, x0, a00);
                a01 = TOps.MulAdd(b, x1, a01);
                b = TOps.Broadcast(w1[t]);
                a10 = TOps.MulAdd(b, x0, a10);
                a11 = TOps.MulAdd(b, x1, a11);
                b = TOps.Broadcast(w2[t]);
                a20 = TOps.MulAdd(b, x0, a20);
                a21 = TOps.MulAdd(b, x1, a21);
                b = TOps.Broadcast(w3[t]);
                a30 = TOps.MulAdd(b, x0, a30);
                a31 = TOps.MulAdd(b, x1, a31);
                b = TOps.Broadcast(w4[t]);
                a40 = TOps.MulAdd(b, x0, a40);
                a41 = TOps.MulAdd(b, x1, a41);
                b = TOps.Broadcast(w5[t]);
                a50 = TOps.MulAdd(b, x0, a50);
                a51 = TOps.MulAdd(b, x1, a51);
                b = TOps.Broadcast(w6[t]);
                a60 = TOps.MulAdd(b, x0, a60);
                a61 = TOps.MulAdd(b, x1, a61);
                b = TOps.Broadcast(w7[t]);
                a70 = TOps.MulAdd(b, x0, a70);
                a71 = TOps.MulAdd(b, x1, a71);
            }

            T* r = rows + p;
            TOps.Store(a00, r); TOps.Store(a01, r + v); r += length;
            TOps.Store(a10, r); TOps.Store(a11, r + v); r += length;
            TOps.Store(a20, r); TOps.Store(a21, r + v); r += length;
            TOps.Store(a30, r); TOps.Store(a31, r + v); r += length;
            TOps.Store(a40, r); TOps.Store(a41, r + v); r += length;
            TOps.Store(a50, r); TOps.Store(a51, r + v); r += length;
            TOps.Store(a60, r); TOps.Store(a61, r + v); r += length;
            TOps.Store(a70, r); TOps.Store(a71, r + v);
        }
    }

    /// <summary>rows[c, p] = Σ_t w_c[t] · padded[p + offsets[t]] for the six channels c and p in [0, length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block6<T, TVector, TOps>(T* padded, int* offsets, int taps, T* w0, T* w1, T* w2, T* w3, T* w4, T* w5, T* rows, int length, int rowStride, int wp)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count;
        for (int p = 0; p < length; p += 2 * v)
        {
            TVector a00 = default, a01 = default, a10 = default, a11 = default;
            TVector a20 = default, a21 = default, a30 = default, a31 = default;
            TVector a40 = default, a41 = default, a50 = default, a51 = default;
            // The block's two vectors: consecutive positions, or in their output rows (see DirectPlaneLayout.RowStride).
            long first = DirectPlaneLayout.Origin(p, rowStride, wp);
            T* origin = padded + first;
            nint second = (nint)(DirectPlaneLayout.Origin(p + v, rowStride, wp) - first);
            for (int t = 0; t < taps; t++)
            {
                T* src = origin + offsets[t];
                TVector x0 = TOps.Load(src), x1 = TOps.Load(src + second);
                TVector b = TOps.Broadcast(w0[t]);
                a00 = TOps.MulAdd(b, x0, a00);
                a01 = TOps.MulAdd(b, x1, a01);
                b = TOps.Broadcast(w1[t]);
                a10 = TOps.MulAdd(b, x0, a10);
                a11 = TOps.MulAdd(b, x1, a11);
                b = TOps.Broadcast(w2[t]);
                a20 = TOps.MulAdd(b, x0, a20);
                a21 = TOps.MulAdd(b, x1, a21);
                b = TOps.Broadcast(w3[t]);
                a30 = TOps.MulAdd(b, x0, a30);
                a31 = TOps.MulAdd(b, x1, a31);
                b = TOps.Broadcast(w4[t]);
                a40 = TOps.MulAdd(b, x0, a40);
                a41 = TOps.MulAdd(b, x1, a41);
                b = TOps.Broadcast(w5[t]);
                a50 = TOps.MulAdd(b, x0, a50);
                a51 = TOps.MulAdd(b, x1, a51);
            }

            T* r = rows + p;
            TOps.Store(a00, r); TOps.Store(a01, r + v); r += length;
            TOps.Store(a10, r); TOps.Store(a11, r + v); r += length;
            TOps.Store(a20, r); TOps.Store(a21, r + v); r += length;
            TOps.Store(a30, r); TOps.Store(a31, r + v); r += length;
            TOps.Store(a40, r); TOps.Store(a41, r + v); r += length;
            TOps.Store(a50, r); TOps.Store(a51, r + v);
        }
    }

    /// <summary>rows[c, p] = Σ_t w_c[t] · padded[p + offsets[t]] for the four channels c and p in [0, length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<T, TVector, TOps>(T* padded, int* offsets, int taps, T* w0, T* w1, T* w2, T* w3, T* rows, int length, int rowStride, int wp)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count;
        for (int p = 0; p < length; p += 2 * v)
        {
            TVector a00 = default, a01 = default, a10 = default, a11 = default;
            TVector a20 = default, a21 = default, a30 = default, a31 = default;
            // The block's two vectors: consecutive positions, or in their output rows (see DirectPlaneLayout.RowStride).
            long first = DirectPlaneLayout.Origin(p, rowStride, wp);
            T* origin = padded + first;
            nint second = (nint)(DirectPlaneLayout.Origin(p + v, rowStride, wp) - first);
            for (int t = 0; t < taps; t++)
            {
                T* src = origin + offsets[t];
                TVector x0 = TOps.Load(src), x1 = TOps.Load(src + second);
                TVector b = TOps.Broadcast(w0[t]);
                a00 = TOps.MulAdd(b, x0, a00);
                a01 = TOps.MulAdd(b, x1, a01);
                b = TOps.Broadcast(w1[t]);
                a10 = TOps.MulAdd(b, x0, a10);
                a11 = TOps.MulAdd(b, x1, a11);
                b = TOps.Broadcast(w2[t]);
                a20 = TOps.MulAdd(b, x0, a20);
                a21 = TOps.MulAdd(b, x1, a21);
                b = TOps.Broadcast(w3[t]);
                a30 = TOps.MulAdd(b, x0, a30);
                a31 = TOps.MulAdd(b, x1, a31);
            }

            T* r = rows + p;
            TOps.Store(a00, r);
            TOps.Store(a01, r + v);
            TOps.Store(a10, r + length);
            TOps.Store(a11, r + length + v);
            TOps.Store(a20, r + 2 * length);
            TOps.Store(a21, r + 2 * length + v);
            TOps.Store(a30, r + 3 * length);
            TOps.Store(a31, r + 3 * length + v);
        }
    }
}
