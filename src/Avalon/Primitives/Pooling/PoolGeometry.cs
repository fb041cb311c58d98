namespace Avalon.Primitives.Pooling;

/// <summary>
/// The shape of one sliding-window pooling problem (max or average) on contiguous row-major,
/// channels-first data [N, C, D, H, W]. One- and two-dimensional pooling are three-dimensional pooling
/// with size-1 leading spatial dimensions (kernel 1, stride 1, padding 0, dilation 1). Every (n, c)
/// plane is pooled independently.
/// </summary>
internal readonly struct PoolGeometry
{
    /// <summary>Batch size.</summary>
    public readonly int Batch;
    /// <summary>Channels.</summary>
    public readonly int Channels;
    /// <summary>Input depth (1 for 1d and 2d).</summary>
    public readonly int InputDepth;
    /// <summary>Input height (1 for 1d).</summary>
    public readonly int InputHeight;
    /// <summary>Input width.</summary>
    public readonly int InputWidth;
    /// <summary>Window depth.</summary>
    public readonly int KernelDepth;
    /// <summary>Window height.</summary>
    public readonly int KernelHeight;
    /// <summary>Window width.</summary>
    public readonly int KernelWidth;
    /// <summary>Stride along depth.</summary>
    public readonly int StrideDepth;
    /// <summary>Stride along height.</summary>
    public readonly int StrideHeight;
    /// <summary>Stride along width.</summary>
    public readonly int StrideWidth;
    /// <summary>Implicit padding on each side along depth.</summary>
    public readonly int PadDepth;
    /// <summary>Implicit padding on each side along height.</summary>
    public readonly int PadHeight;
    /// <summary>Implicit padding on each side along width.</summary>
    public readonly int PadWidth;
    /// <summary>Dilation along depth (always 1 for average pooling).</summary>
    public readonly int DilationDepth;
    /// <summary>Dilation along height (always 1 for average pooling).</summary>
    public readonly int DilationHeight;
    /// <summary>Dilation along width (always 1 for average pooling).</summary>
    public readonly int DilationWidth;
    /// <summary>Output depth.</summary>
    public readonly int OutputDepth;
    /// <summary>Output height.</summary>
    public readonly int OutputHeight;
    /// <summary>Output width.</summary>
    public readonly int OutputWidth;
    /// <summary>Whether output sizes were rounded up (PyTorch's ceil_mode).</summary>
    public readonly bool CeilMode;
    /// <summary>Number of spatial dimensions the caller described (1, 2 or 3); used in messages.</summary>
    public readonly int SpatialRank;
    /// <summary>Operation name used in messages, e.g. "max_pool2d".</summary>
    public readonly string OperationName;

    private PoolGeometry(string op, int spatialRank, int batch, int channels, bool ceilMode, ReadOnlySpan<int> input,
        ReadOnlySpan<int> kernel, ReadOnlySpan<int> stride, ReadOnlySpan<int> padding, ReadOnlySpan<int> dilation,
        ReadOnlySpan<int> output)
    {
        OperationName = op;
        SpatialRank = spatialRank;
        Batch = batch;
        Channels = channels;
        CeilMode = ceilMode;
        (InputDepth, InputHeight, InputWidth) = (input[0], input[1], input[2]);
        (KernelDepth, KernelHeight, KernelWidth) = (kernel[0], kernel[1], kernel[2]);
        (StrideDepth, StrideHeight, StrideWidth) = (stride[0], stride[1], stride[2]);
        (PadDepth, PadHeight, PadWidth) = (padding[0], padding[1], padding[2]);
        (DilationDepth, DilationHeight, DilationWidth) = (dilation[0], dilation[1], dilation[2]);
        (OutputDepth, OutputHeight, OutputWidth) = (output[0], output[1], output[2]);
    }

    /// <summary>Number of independent (n, c) planes.</summary>
    public int Planes => Batch * Channels;

    /// <summary>Elements in one input plane (D·H·W).</summary>
    public int InputPlane => InputDepth * InputHeight * InputWidth;

    /// <summary>Elements in one output plane.</summary>
    public int OutputPlane => OutputDepth * OutputHeight * OutputWidth;

    /// <summary>Elements of the whole input.</summary>
    public long InputLength => (long)Planes * InputPlane;

    /// <summary>Elements of the whole output.</summary>
    public long OutputLength => (long)Planes * OutputPlane;

    /// <summary>Elements visited per output element (kD·kH·kW).</summary>
    public int KernelVolume => KernelDepth * KernelHeight * KernelWidth;

    /// <summary>
    /// Describes max pooling (max_pool1d/2d/3d). Spans have one entry per spatial dimension (1 to 3);
    /// an empty <paramref name="stride"/> means stride = kernel size, as in PyTorch.
    /// </summary>
    public static PoolGeometry CreateMax(int batch, int channels, ReadOnlySpan<int> inputSize, ReadOnlySpan<int> kernelSize,
        ReadOnlySpan<int> stride, ReadOnlySpan<int> padding, ReadOnlySpan<int> dilation, bool ceilMode)
        => Create(inputSize.Length switch { 1 => "max_pool1d", 2 => "max_pool2d", 3 => "max_pool3d", _ => "max_pool" + inputSize.Length + "d" }, batch, channels, inputSize, kernelSize, stride, padding, dilation, ceilMode);

    /// <summary>
    /// Describes average pooling (avg_pool1d/2d/3d), which has no dilation. An empty
    /// <paramref name="stride"/> means stride = kernel size.
    /// </summary>
    public static PoolGeometry CreateAverage(int batch, int channels, ReadOnlySpan<int> inputSize,
        ReadOnlySpan<int> kernelSize, ReadOnlySpan<int> stride, ReadOnlySpan<int> padding, bool ceilMode)
    {
        Span<int> ones = stackalloc int[inputSize.Length];
        ones.Fill(1);
        return Create(inputSize.Length switch { 1 => "avg_pool1d", 2 => "avg_pool2d", 3 => "avg_pool3d", _ => "avg_pool" + inputSize.Length + "d" }, batch, channels, inputSize, kernelSize, stride, padding, ones, ceilMode);
    }

    private static PoolGeometry Create(string op, int batch, int channels, ReadOnlySpan<int> inputSize,
        ReadOnlySpan<int> kernelSize, ReadOnlySpan<int> stride, ReadOnlySpan<int> padding, ReadOnlySpan<int> dilation,
        bool ceilMode)
    {
        int rank = inputSize.Length;
        SpatialSizes.RequireRank(op, inputSize);
        if (stride.IsEmpty) stride = kernelSize;
        SpatialSizes.RequireLength(op, "kernel_size", kernelSize, rank);
        SpatialSizes.RequireLength(op, "stride", stride, rank);
        SpatialSizes.RequireLength(op, "padding", padding, rank);
        SpatialSizes.RequireLength(op, "dilation", dilation, rank);
        if (batch < 0 || channels < 0)
            throw OpErrors.Argument(op, $"batch and channel counts must be non-negative, got N={batch}, C={channels}.");
        for (int i = 0; i < rank; i++)
        {
            if (inputSize[i] < 1)
                throw OpErrors.Argument(op, $"input spatial sizes must be positive, got {ShapeUtil.Format(inputSize)}.");
            if (kernelSize[i] < 1)
                throw OpErrors.Argument(op, $"kernel_size must be positive, got {ShapeUtil.Format(kernelSize)}.");
            if (stride[i] < 1)
                throw OpErrors.Argument(op, $"stride must be positive, got {ShapeUtil.Format(stride)}.");
            if (dilation[i] < 1)
                throw OpErrors.Argument(op, $"dilation must be positive, got {ShapeUtil.Format(dilation)}.");
            if (padding[i] < 0 || padding[i] > kernelSize[i] / 2)
                throw OpErrors.Argument(
                    op, $"padding should be non-negative and at most half of the kernel size, but got padding " +
                    $"{ShapeUtil.Format(padding)} for kernel_size {ShapeUtil.Format(kernelSize)}.");
        }

        Span<int> input = stackalloc int[3], kernel = stackalloc int[3], str = stackalloc int[3];
        Span<int> pad = stackalloc int[3], dil = stackalloc int[3], output = stackalloc int[3];
        SpatialSizes.ExpandTo3(inputSize, input, 1);
        SpatialSizes.ExpandTo3(kernelSize, kernel, 1);
        SpatialSizes.ExpandTo3(stride, str, 1);
        SpatialSizes.ExpandTo3(padding, pad, 0);
        SpatialSizes.ExpandTo3(dilation, dil, 1);
        bool tooSmall = false;
        for (int i = 0; i < 3; i++)
        {
            output[i] = OutputSize(input[i], kernel[i], str[i], pad[i], dil[i], ceilMode);
            tooSmall |= output[i] < 1;
        }
        if (tooSmall)
            throw OpErrors.Argument(
                op, $"given input size {ShapeUtil.Format(inputSize)} (per channel), kernel_size " +
                $"{ShapeUtil.Format(kernelSize)}, stride {ShapeUtil.Format(stride)}, padding {ShapeUtil.Format(padding)}, " +
                $"dilation {ShapeUtil.Format(dilation)}: calculated output size {ShapeUtil.Format(output[(3 - rank)..])} is too small.");
        return new PoolGeometry(op, rank, batch, channels, ceilMode, input, kernel, str, pad, dil, output);
    }

    /// <summary>
    /// PyTorch's pooling_output_shape: floor (or ceil) of (in + 2p − d(k − 1) − 1) / s, plus one, where in
    /// ceil mode the last window must start inside the input or the left padding.
    /// </summary>
    internal static int OutputSize(int input, int kernel, int stride, int pad, int dilation, bool ceilMode)
    {
        long numerator = (long)input + 2L * pad - (long)dilation * (kernel - 1) - 1 + (ceilMode ? stride - 1 : 0);
        long output = FloorDiv(numerator, stride) + 1;
        if (ceilMode && (output - 1) * stride >= input + pad) output--;
        return (int)Math.Clamp(output, int.MinValue, int.MaxValue);
    }

    private static long FloorDiv(long a, long b)
    {
        long q = a / b;
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
    }

    /// <summary>Throws unless a buffer length matches this geometry (names the operation and sizes).</summary>
    internal void RequireLength(string what, int actual, long expected)
    {
        if (actual != expected)
            throw OpErrors.Argument(
                OperationName, $"{what} buffer has {actual} elements, expected {expected} for input " +
                $"{SpatialSizes.FormatShape(Batch, Channels, InputDepth, InputHeight, InputWidth, SpatialRank)} and output " +
                $"{SpatialSizes.FormatShape(Batch, Channels, OutputDepth, OutputHeight, OutputWidth, SpatialRank)}.");
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{OperationName}: input [{Batch}, {Channels}, {InputDepth}, {InputHeight}, {InputWidth}], kernel " +
        $"[{KernelDepth}, {KernelHeight}, {KernelWidth}], stride [{StrideDepth}, {StrideHeight}, {StrideWidth}], " +
        $"padding [{PadDepth}, {PadHeight}, {PadWidth}], dilation [{DilationDepth}, {DilationHeight}, {DilationWidth}], " +
        $"output [{OutputDepth}, {OutputHeight}, {OutputWidth}], ceil_mode {CeilMode}";
}
