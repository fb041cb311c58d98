using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// Direct convolution forward for layers with few taps (input channels per group × kernel area, at most
/// <see cref="MaxTaps"/>), stride 1 and no dilation: the first layer of an image network (1 channel,
/// 3×3 or 5×5). Im2col + GEMM is a poor fit there: the GEMM's inner dimension is the tap count (9 or 25),
/// so each micro-kernel tile does a few steps of k between its loads and stores of C, and the column
/// matrix is written, then packed, then read: three passes over data nine or 25 times the input's size.
/// </summary>
/// <remarks>
/// <para>The sample's input is copied once into a zero-padded buffer, Wp = W + 2·padW columns wide. Output
/// row oh, column ow then reads padded row oh + kh, column ow + kw, so over the flattened padded plane
/// output position p = oh·Wp + ow reads position p + kh·Wp + kw: every tap is a fixed offset, and the
/// whole plane is one one-dimensional correlation over contiguous memory. Positions with ow ≥ outW are
/// computed too (they wrap into the next row) and dropped when the rows are copied out; they cost
/// (kW − 1)/Wp of the work (7 % for 3×3 on 28×28).</para>
/// <para>Four output channels and two vectors of positions are computed at once: per tap, two input
/// loads and four weight broadcasts feed eight fused multiply-adds into eight accumulators, which stay in
/// registers over all the taps. Each output is one sum over the taps in weight order, whatever the
/// thread count.</para>
/// </remarks>
internal static unsafe class DirectConvolution
{
    /// <summary>Most taps (input channels per group × kernel area) for which the direct kernel is used.</summary>
    public const int MaxTaps = 32;

    /// <summary>Output channels computed together.</summary>
    private const int ChannelBlock = 4;

    /// <summary>Vectors of output positions computed together.</summary>
    private const int VectorBlock = 2;

    /// <summary>Whether <paramref name="g"/> takes the direct kernel for element type <typeparamref name="T"/> on this machine.</summary>
    public static bool Applies<T>(in ConvGeometry g) where T : unmanaged =>
        (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && GemmMicroKernel256<float>.IsSupported &&
        g.InputDepth == 1 && g.KernelDepth == 1 && g.PadDepth == 0 &&
        g.StrideHeight == 1 && g.StrideWidth == 1 && g.DilationHeight == 1 && g.DilationWidth == 1 &&
        g.ColumnRows <= MaxTaps && g.KernelVolume > 1;

    /// <summary>
    /// One sample and group: y[coutG, outPlane] = conv(x[cinG, inPlane], w[coutG, taps]) (+ bias[coutG] when not null).
    /// </summary>
    public static void Run<T>(in ConvGeometry g, T* x, T* w, T* bias, T* y) where T : unmanaged
    {
        // The type tests fold away per instantiation; AVX-512 where the machine has it, else AVX2.
        if (typeof(T) == typeof(float))
        {
            if (GemmMicroKernel512<float>.IsSupported)
                Run<float, Vector512<float>, GemmMicroKernel512<float>>(g, (float*)x, (float*)w, (float*)bias, (float*)y);
            else
                Run<float, Vector256<float>, GemmMicroKernel256<float>>(g, (float*)x, (float*)w, (float*)bias, (float*)y);
        }
        else if (typeof(T) == typeof(double))
        {
            if (GemmMicroKernel512<double>.IsSupported)
                Run<double, Vector512<double>, GemmMicroKernel512<double>>(g, (double*)x, (double*)w, (double*)bias, (double*)y);
            else
                Run<double, Vector256<double>, GemmMicroKernel256<double>>(g, (double*)x, (double*)w, (double*)bias, (double*)y);
        }
        else
            throw OpErrors.NotSupported("conv", $"the direct kernel has no {typeof(T).Name} instance; expected float or double.");
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<T, TVector, TOps>(in ConvGeometry g, T* x, T* w, T* bias, T* y)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int cin = g.InChannelsPerGroup, cout = g.OutChannelsPerGroup, taps = g.ColumnRows;
        int inH = g.InputHeight, inW = g.InputWidth, kH = g.KernelHeight, kW = g.KernelWidth;
        int padH = g.PadHeight, padW = g.PadWidth, outH = g.OutputHeight, outW = g.OutputWidth;
        int wp = inW + 2 * padW, hp = inH + 2 * padH, planePadded = hp * wp;
        int block = VectorBlock * TOps.Count;
        int length = outH * wp, rounded = (length + block - 1) / block * block;
        int reach = (cin - 1) * planePadded + (kH - 1) * wp + (kW - 1);
        long paddedLength = Math.Max((long)cin * planePadded, (long)rounded + reach);

        ConvolutionWorkspace ws = ConvolutionWorkspace.Current;
        T* padded = ws.Get<T>(ConvolutionScratch.Padded, paddedLength);
        T* rows = ws.Get<T>(ConvolutionScratch.Rows, (long)ChannelBlock * rounded);
        new Span<T>(padded, (int)paddedLength).Clear();
        for (int c = 0; c < cin; c++)
        for (int h = 0; h < inH; h++)
            new ReadOnlySpan<T>(x + ((long)c * inH + h) * inW, inW)
                .CopyTo(new Span<T>(padded + (long)c * planePadded + (long)(h + padH) * wp + padW, inW));

        int* offsets = stackalloc int[taps];
        for (int c = 0, t = 0; c < cin; c++)
        for (int kh = 0; kh < kH; kh++)
        for (int kw = 0; kw < kW; kw++, t++)
            offsets[t] = c * planePadded + kh * wp + kw;

        for (int co = 0; co < cout; co += ChannelBlock)
        {
            int channels = Math.Min(ChannelBlock, cout - co);
            // A short last block repeats its last channel; the repeats are computed and not copied out.
            T* w0 = w + (long)co * taps;
            T* w1 = w + (long)(co + Math.Min(1, channels - 1)) * taps;
            T* w2 = w + (long)(co + Math.Min(2, channels - 1)) * taps;
            T* w3 = w + (long)(co + Math.Min(3, channels - 1)) * taps;
            Block<T, TVector, TOps>(padded, offsets, taps, w0, w1, w2, w3, rows, rounded);
            for (int c = 0; c < channels; c++)
            {
                T b = bias == null ? T.Zero : bias[co + c];
                T* src = rows + (long)c * rounded;
                T* dst = y + (long)(co + c) * outH * outW;
                for (int oh = 0; oh < outH; oh++, src += wp, dst += outW)
                {
                    if (bias == null)
                        new ReadOnlySpan<T>(src, outW).CopyTo(new Span<T>(dst, outW));
                    else
                        System.Numerics.Tensors.TensorPrimitives.Add(new ReadOnlySpan<T>(src, outW), b, new Span<T>(dst, outW));
                }
            }
        }
    }

    /// <summary>rows[c, p] = Σ_t w_c[t] · padded[p + offsets[t]] for the four channels c and p in [0, length).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Block<T, TVector, TOps>(T* padded, int* offsets, int taps, T* w0, T* w1, T* w2, T* w3, T* rows, int length)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TOps : struct, IGemmVector<TVector, T>
    {
        int v = TOps.Count;
        for (int p = 0; p < length; p += 2 * v)
        {
            TVector a00 = default, a01 = default, a10 = default, a11 = default;
            TVector a20 = default, a21 = default, a30 = default, a31 = default;
            T* origin = padded + p;
            for (int t = 0; t < taps; t++)
            {
                T* src = origin + offsets[t];
                TVector x0 = TOps.Load(src), x1 = TOps.Load(src + v);
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
