using System.Numerics;
using System.Numerics.Tensors;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// vol2col and col2vol (im2col and col2im for 3d) for one sample and one channel group. The column
/// matrix has <see cref="ConvGeometry.ColumnRows"/> rows, one per (channel, kd, kh, kw) in weight order,
/// and <see cref="ConvGeometry.OutputPlane"/> columns, one per output position, so that a convolution
/// is weight[Cout/groups, ColumnRows] × columns.
/// </summary>
internal static unsafe class VolumeColumns
{
    /// <summary>
    /// Fills <paramref name="columns"/> ([ColumnRows, OutputPlane]) from <paramref name="input"/>
    /// ([Cin/groups, D, H, W]); positions that fall into the padding get zero.
    /// </summary>
    public static void ToColumns<T>(in ConvGeometry g, T* input, T* columns) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outW = g.OutputWidth, outPlane = g.OutputPlane;
        long row = 0;
        for (int c = 0; c < g.InChannelsPerGroup; c++)
        for (int kd = 0; kd < g.KernelDepth; kd++)
        for (int kh = 0; kh < g.KernelHeight; kh++)
        for (int kw = 0; kw < g.KernelWidth; kw++, row++)
        {
            T* dstRow = columns + row * outPlane;
            int offD = kd * g.DilationDepth - g.PadDepth;
            int offH = kh * g.DilationHeight - g.PadHeight;
            int offW = kw * g.DilationWidth - g.PadWidth;
            ValidRange(offW, g.StrideWidth, g.InputWidth, outW, out int lo, out int hi);
            for (int od = 0; od < g.OutputDepth; od++)
            {
                int id = od * g.StrideDepth + offD;
                for (int oh = 0; oh < g.OutputHeight; oh++)
                {
                    T* dst = dstRow + ((long)od * g.OutputHeight + oh) * outW;
                    int ih = oh * g.StrideHeight + offH;
                    if ((uint)id >= (uint)g.InputDepth || (uint)ih >= (uint)g.InputHeight)
                    {
                        new Span<T>(dst, outW).Clear();
                        continue;
                    }
                    T* src = input + (((long)c * g.InputDepth + id) * g.InputHeight + ih) * g.InputWidth;
                    if (lo > 0) new Span<T>(dst, lo).Clear();
                    if (hi < outW) new Span<T>(dst + hi, outW - hi).Clear();
                    if (g.StrideWidth == 1)
                    {
                        new ReadOnlySpan<T>(src + lo + offW, hi - lo).CopyTo(new Span<T>(dst + lo, hi - lo));
                    }
                    else
                    {
                        int sw = g.StrideWidth;
                        for (int ow = lo; ow < hi; ow++) dst[ow] = src[ow * sw + offW];
                    }
                }
            }
        }
    }

    /// <summary>
    /// The adjoint of <see cref="ToColumns{T}"/>: overwrites <paramref name="volume"/> ([Cin/groups, D, H, W])
    /// with the sum, over every column entry, of that entry added at the input position it was read from.
    /// </summary>
    public static void FromColumns<T>(in ConvGeometry g, T* columns, T* volume) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int outW = g.OutputWidth, outPlane = g.OutputPlane;
        new Span<T>(volume, g.InChannelsPerGroup * g.InputPlane).Clear();
        long row = 0;
        for (int c = 0; c < g.InChannelsPerGroup; c++)
        for (int kd = 0; kd < g.KernelDepth; kd++)
        for (int kh = 0; kh < g.KernelHeight; kh++)
        for (int kw = 0; kw < g.KernelWidth; kw++, row++)
        {
            T* srcRow = columns + row * outPlane;
            int offD = kd * g.DilationDepth - g.PadDepth;
            int offH = kh * g.DilationHeight - g.PadHeight;
            int offW = kw * g.DilationWidth - g.PadWidth;
            ValidRange(offW, g.StrideWidth, g.InputWidth, outW, out int lo, out int hi);
            if (hi <= lo) continue;
            for (int od = 0; od < g.OutputDepth; od++)
            {
                int id = od * g.StrideDepth + offD;
                if ((uint)id >= (uint)g.InputDepth) continue;
                for (int oh = 0; oh < g.OutputHeight; oh++)
                {
                    int ih = oh * g.StrideHeight + offH;
                    if ((uint)ih >= (uint)g.InputHeight) continue;
                    T* src = srcRow + ((long)od * g.OutputHeight + oh) * outW;
                    T* dst = volume + (((long)c * g.InputDepth + id) * g.InputHeight + ih) * g.InputWidth;
                    if (g.StrideWidth == 1)
                    {
                        var d = new Span<T>(dst + lo + offW, hi - lo);
                        TensorPrimitives.Add(d, new ReadOnlySpan<T>(src + lo, hi - lo), d);
                    }
                    else
                    {
                        int sw = g.StrideWidth;
                        for (int ow = lo; ow < hi; ow++) dst[ow * sw + offW] += src[ow];
                    }
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
}
