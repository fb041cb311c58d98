using Avalon.Primitives.Convolution;

namespace Avalon.Backends.Cpu.Convolution;

/// <summary>
/// The flattened, zero-padded plane on which the direct convolution kernels work. A sample's input is
/// copied into planes PaddedWidth = W + 2·padW columns wide and H + 2·padH rows high; output position
/// p = oh·PaddedWidth + ow then reads padded position p + offset(c, kh, kw), with
/// offset = c·PaddedPlane + kh·PaddedWidth + kw, so every tap is one fixed offset over contiguous memory.
/// Positions with ow ≥ outW exist in this numbering too (they wrap into the next row): the forward
/// computes and drops them, the weight gradient gives them a zero output gradient.
/// </summary>
internal readonly unsafe struct DirectPlaneLayout
{
    /// <summary>Columns of a padded row (W + 2·padW).</summary>
    public readonly int PaddedWidth;

    /// <summary>Elements of one padded channel plane.</summary>
    public readonly int PaddedPlane;

    /// <summary>
    /// Computed positions per output row: PaddedWidth, or for a forward computing whole vectors per row (see the
    /// three-argument constructor) outW rounded up to the vector when that is narrower.
    /// </summary>
    public readonly int RowStride;

    /// <summary>Output positions in the computed numbering: outH · <see cref="RowStride"/>.</summary>
    public readonly int Length;

    /// <summary><see cref="Length"/> rounded up to the kernel's block of positions.</summary>
    public readonly int Rounded;

    /// <summary>
    /// Elements of one padded sample: its channel planes, and at least enough beyond them that a block
    /// starting below <see cref="Rounded"/> reads in bounds at the largest offset.
    /// </summary>
    public readonly long PaddedLength;

    /// <summary>The layout of one group of <paramref name="g"/> for a kernel that computes <paramref name="block"/> positions at a time.</summary>
    public DirectPlaneLayout(in ConvGeometry g, int block) : this(g, block, 0) { }

    /// <summary>
    /// The layout for a kernel that computes <paramref name="block"/> positions at a time, in vectors of
    /// <paramref name="rowVector"/> that stay within one output row when that computes fewer positions than the
    /// padded rows (0: the padded numbering, every position p = oh·PaddedWidth + ow).
    /// </summary>
    public DirectPlaneLayout(in ConvGeometry g, int block, int rowVector)
    {
        PaddedWidth = g.InputWidth + 2 * g.PadWidth;
        PaddedPlane = (g.InputHeight + 2 * g.PadHeight) * PaddedWidth;
        RowStride = ComputedRowStride(g, rowVector);
        Length = g.OutputHeight * RowStride;
        Rounded = (Length + block - 1) / block * block;
        long reach = (long)(g.InChannelsPerGroup - 1) * PaddedPlane + (long)(g.KernelHeight - 1) * PaddedWidth + (g.KernelWidth - 1);
        PaddedLength = Math.Max((long)g.InChannelsPerGroup * PaddedPlane, Origin(Rounded - 1, RowStride, PaddedWidth) + 1 + reach);
    }

    /// <summary>
    /// Positions computed per output row by a kernel whose vectors of <paramref name="rowVector"/> stay within a row:
    /// outW rounded up to whole vectors when that is less than the padded width, else the padded width.
    /// </summary>
    public static int ComputedRowStride(in ConvGeometry g, int rowVector)
    {
        int paddedWidth = g.InputWidth + 2 * g.PadWidth;
        if (rowVector <= 0) return paddedWidth;
        int whole = (g.OutputWidth + rowVector - 1) / rowVector * rowVector;
        return whole < paddedWidth ? whole : paddedWidth;
    }

    /// <summary>Where computed position <paramref name="q"/> (row stride <paramref name="rowStride"/>) reads the padded plane: its output row · the padded width + its column.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public static long Origin(int q, int rowStride, int paddedWidth) =>
        rowStride == paddedWidth ? q : (long)(q / rowStride) * paddedWidth + q % rowStride;

    /// <summary>Writes the offset of every tap (input channel of the group, kernel row, kernel column, in weight order).</summary>
    public void FillOffsets(in ConvGeometry g, int* offsets)
    {
        for (int c = 0, t = 0; c < g.InChannelsPerGroup; c++)
        for (int kh = 0; kh < g.KernelHeight; kh++)
        for (int kw = 0; kw < g.KernelWidth; kw++, t++)
            offsets[t] = c * PaddedPlane + kh * PaddedWidth + kw;
    }

    /// <summary>Copies the group's input channels of one sample, <paramref name="x"/>, into <paramref name="padded"/> (<see cref="PaddedLength"/> elements), zeros around.</summary>
    public void Pad<T>(in ConvGeometry g, T* x, T* padded) where T : unmanaged
    {
        int inH = g.InputHeight, inW = g.InputWidth, padH = g.PadHeight, padW = g.PadWidth;
        new Span<T>(padded, checked((int)PaddedLength)).Clear();
        for (int c = 0; c < g.InChannelsPerGroup; c++)
        for (int h = 0; h < inH; h++)
            new ReadOnlySpan<T>(x + ((long)c * inH + h) * inW, inW)
                .CopyTo(new Span<T>(padded + (long)c * PaddedPlane + (long)(h + padH) * PaddedWidth + padW, inW));
    }
}
