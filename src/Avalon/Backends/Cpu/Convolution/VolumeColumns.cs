using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// vol2col and col2vol (im2col and col2im for 3d) for one sample and one channel group. The column
/// matrix has <see cref="ConvGeometry.ColumnRows"/> rows, one per (channel, kd, kh, kw) in weight order,
/// and <see cref="ConvGeometry.OutputPlane"/> columns, one per output position, so that a convolution
/// is weight[Cout/groups, ColumnRows] × columns. Its rows are <c>ldColumns</c> elements apart, so the
/// columns of several samples can sit side by side in one wider matrix (one GEMM for all of them).
/// </summary>
/// <remarks>
/// The runs copied or added are output rows, often only a few vectors long (24 elements for a 5×5
/// kernel on 28×28 images), so they are moved with inline vector loads and stores: a library call per
/// run costs more than the run itself.
/// </remarks>
internal static unsafe class VolumeColumns
{
    /// <summary>
    /// Fills <paramref name="columns"/> ([ColumnRows, OutputPlane], rows <paramref name="ldColumns"/> apart)
    /// from <paramref name="input"/> ([Cin/groups, D, H, W]); positions that fall into the padding get zero.
    /// </summary>
    public static void ToColumns<T>(in ConvGeometry g, T* input, T* columns, nint ldColumns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outD = g.OutputDepth, outH = g.OutputHeight, outW = g.OutputWidth;
        int inD = g.InputDepth, inH = g.InputHeight, inW = g.InputWidth;
        int sd = g.StrideDepth, sh = g.StrideHeight, sw = g.StrideWidth;
        int kD = g.KernelDepth, kH = g.KernelHeight, kW = g.KernelWidth;
        T* dstRow = columns;
        for (int c = 0; c < g.InChannelsPerGroup; c++)
        for (int kd = 0; kd < kD; kd++)
        for (int kh = 0; kh < kH; kh++)
        for (int kw = 0; kw < kW; kw++, dstRow += ldColumns)
        {
            int offD = kd * g.DilationDepth - g.PadDepth;
            int offH = kh * g.DilationHeight - g.PadHeight;
            int offW = kw * g.DilationWidth - g.PadWidth;
            ValidRange(offW, sw, inW, outW, out int lo, out int hi);
            ValidRange(offH, sh, inH, outH, out int hLo, out int hHi);
            T* channel = input + (nint)c * inD * inH * inW;
            T* dst = dstRow;
            for (int od = 0; od < outD; od++, dst += (nint)outH * outW)
            {
                int id = od * sd + offD;
                if ((uint)id >= (uint)inD)
                {
                    Clear(dst, outH * outW);
                    continue;
                }
                // Rows above and below the input are padding; the rows between read input row oh·sh + offH.
                Clear(dst, hLo * outW);
                Clear(dst + (nint)hHi * outW, (outH - hHi) * outW);
                T* src = channel + ((nint)id * inH + hLo * sh + offH) * inW + offW;
                T* d = dst + (nint)hLo * outW;
                nint srcStep = (nint)sh * inW;
                if (sw == 1 && lo == 0 && hi == outW)
                {
                    // The common case, no padding along the row: nothing but copies.
                    for (int oh = hLo; oh < hHi; oh++, src += srcStep, d += outW) Copy(src, d, outW);
                    continue;
                }
                for (int oh = hLo; oh < hHi; oh++, src += srcStep, d += outW)
                {
                    if (lo > 0) Clear(d, lo);
                    if (hi < outW) Clear(d + hi, outW - hi);
                    if (sw == 1)
                        Copy(src + lo, d + lo, hi - lo);
                    else
                        for (int ow = lo; ow < hi; ow++) d[ow] = src[ow * sw];
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="ToColumns{T}"/>: overwrites <paramref name="volume"/> ([Cin/groups, D, H, W])
    /// with the sum, over every column entry, of that entry added at the input position it was read from.
    /// </summary>
    public static void FromColumns<T>(in ConvGeometry g, T* columns, nint ldColumns, T* volume)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outD = g.OutputDepth, outH = g.OutputHeight, outW = g.OutputWidth;
        int inD = g.InputDepth, inH = g.InputHeight, inW = g.InputWidth;
        int sd = g.StrideDepth, sh = g.StrideHeight, sw = g.StrideWidth;
        int kD = g.KernelDepth, kH = g.KernelHeight, kW = g.KernelWidth;
        new Span<T>(volume, g.InChannelsPerGroup * g.InputPlane).Clear();
        T* srcRow = columns;
        for (int c = 0; c < g.InChannelsPerGroup; c++)
        for (int kd = 0; kd < kD; kd++)
        for (int kh = 0; kh < kH; kh++)
        for (int kw = 0; kw < kW; kw++, srcRow += ldColumns)
        {
            int offD = kd * g.DilationDepth - g.PadDepth;
            int offH = kh * g.DilationHeight - g.PadHeight;
            int offW = kw * g.DilationWidth - g.PadWidth;
            ValidRange(offW, sw, inW, outW, out int lo, out int hi);
            ValidRange(offH, sh, inH, outH, out int hLo, out int hHi);
            if (hi <= lo) continue;
            T* channel = volume + (nint)c * inD * inH * inW;
            for (int od = 0; od < outD; od++)
            {
                int id = od * sd + offD;
                if ((uint)id >= (uint)inD) continue;
                T* src = srcRow + ((nint)od * outH + hLo) * outW;
                T* dst = channel + ((nint)id * inH + hLo * sh + offH) * inW + offW;
                nint dstStep = (nint)sh * inW;
                for (int oh = hLo; oh < hHi; oh++, src += outW, dst += dstStep)
                {
                    if (sw == 1)
                        Add(src + lo, dst + lo, hi - lo);
                    else
                        for (int ow = lo; ow < hi; ow++) dst[ow * sw] += src[ow];
                }
            }
        }
    }

    /// <summary>
    /// The output positions [lo, hi) whose input position o·stride + offset lies inside [0, size).
    /// </summary>
    private static void ValidRange(int offset, int stride, int size, int outSize, out int lo, out int hi)
    {
        lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
        hi = size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1;
        if (lo > outSize) lo = outSize;
        if (hi > outSize) hi = outSize;
        if (hi < lo) hi = lo;
    }

    /// <summary>dst[0..n) = src[0..n); the last vector may overlap the one before it (same values).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy<T>(T* src, T* dst, int n) where T : unmanaged
    {
        int width = Vector256<T>.Count;
        if (Vector256.IsHardwareAccelerated && n >= width)
        {
            int last = n - width;
            for (int i = 0; i < last; i += width) Vector256.Store(Vector256.Load(src + i), dst + i);
            Vector256.Store(Vector256.Load(src + last), dst + last);
            return;
        }
        for (int i = 0; i < n; i++) dst[i] = src[i];
    }

    /// <summary>dst[0..n) += src[0..n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add<T>(T* src, T* dst, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (int width = Vector256<T>.Count; i <= n - width; i += width)
                Vector256.Store(Vector256.Load(dst + i) + Vector256.Load(src + i), dst + i);
        for (; i < n; i++) dst[i] += src[i];
    }

    /// <summary>dst[0..n) = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Clear<T>(T* dst, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
            for (int width = Vector256<T>.Count; i <= n - width; i += width)
                Vector256.Store(Vector256<T>.Zero, dst + i);
        for (; i < n; i++) dst[i] = T.Zero;
    }
}
