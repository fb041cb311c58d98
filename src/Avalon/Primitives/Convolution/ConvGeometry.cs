namespace Avalon.Primitives.Convolution;

/// <summary>
/// The shape of one convolution problem on contiguous row-major, channels-first data. One-, two- and
/// three-dimensional convolutions are all described as three-dimensional ones whose missing leading
/// spatial dimensions have size 1 (kernel 1, stride 1, padding 0, dilation 1).
/// </summary>
/// <remarks>
/// Input is [N, InChannels, InputDepth, InputHeight, InputWidth], weight is
/// [OutChannels, InChannels / Groups, KernelDepth, KernelHeight, KernelWidth] and output is
/// [N, OutChannels, OutputDepth, OutputHeight, OutputWidth]. A transposed convolution is described by
/// the geometry of the convolution it is the adjoint of (see <see cref="CreateTransposed"/>): its input
/// is this geometry's output and its output is this geometry's input.
/// </remarks>
internal readonly struct ConvGeometry
{
    /// <summary>Batch size.</summary>
    public readonly int Batch;
    /// <summary>Channels of the (convolution) input.</summary>
    public readonly int InChannels;
    /// <summary>Channels of the (convolution) output.</summary>
    public readonly int OutChannels;
    /// <summary>Number of channel groups; both channel counts are divisible by it.</summary>
    public readonly int Groups;
    /// <summary>Input depth (1 for 1d and 2d).</summary>
    public readonly int InputDepth;
    /// <summary>Input height (1 for 1d).</summary>
    public readonly int InputHeight;
    /// <summary>Input width.</summary>
    public readonly int InputWidth;
    /// <summary>Kernel depth.</summary>
    public readonly int KernelDepth;
    /// <summary>Kernel height.</summary>
    public readonly int KernelHeight;
    /// <summary>Kernel width.</summary>
    public readonly int KernelWidth;
    /// <summary>Stride along depth.</summary>
    public readonly int StrideDepth;
    /// <summary>Stride along height.</summary>
    public readonly int StrideHeight;
    /// <summary>Stride along width.</summary>
    public readonly int StrideWidth;
    /// <summary>Zero padding on each side along depth.</summary>
    public readonly int PadDepth;
    /// <summary>Zero padding on each side along height.</summary>
    public readonly int PadHeight;
    /// <summary>Zero padding on each side along width.</summary>
    public readonly int PadWidth;
    /// <summary>Dilation along depth.</summary>
    public readonly int DilationDepth;
    /// <summary>Dilation along height.</summary>
    public readonly int DilationHeight;
    /// <summary>Dilation along width.</summary>
    public readonly int DilationWidth;
    /// <summary>Output depth.</summary>
    public readonly int OutputDepth;
    /// <summary>Output height.</summary>
    public readonly int OutputHeight;
    /// <summary>Output width.</summary>
    public readonly int OutputWidth;
    /// <summary>Number of spatial dimensions the caller described (1, 2 or 3); used in messages.</summary>
    public readonly int SpatialRank;
    /// <summary>Whether this geometry was created for a transposed convolution; used in messages.</summary>
    public readonly bool IsTransposed;

    private ConvGeometry(int batch, int inChannels, int outChannels, int groups, int spatialRank, bool transposed,
        ReadOnlySpan<int> input, ReadOnlySpan<int> kernel, ReadOnlySpan<int> stride, ReadOnlySpan<int> padding,
        ReadOnlySpan<int> dilation, ReadOnlySpan<int> output)
    {
        Batch = batch;
        InChannels = inChannels;
        OutChannels = outChannels;
        Groups = groups;
        SpatialRank = spatialRank;
        IsTransposed = transposed;
        (InputDepth, InputHeight, InputWidth) = (input[0], input[1], input[2]);
        (KernelDepth, KernelHeight, KernelWidth) = (kernel[0], kernel[1], kernel[2]);
        (StrideDepth, StrideHeight, StrideWidth) = (stride[0], stride[1], stride[2]);
        (PadDepth, PadHeight, PadWidth) = (padding[0], padding[1], padding[2]);
        (DilationDepth, DilationHeight, DilationWidth) = (dilation[0], dilation[1], dilation[2]);
        (OutputDepth, OutputHeight, OutputWidth) = (output[0], output[1], output[2]);
    }

    /// <summary>Input channels per group.</summary>
    public int InChannelsPerGroup => InChannels / Groups;

    /// <summary>Output channels per group.</summary>
    public int OutChannelsPerGroup => OutChannels / Groups;

    /// <summary>Elements in one kernel window (kD·kH·kW).</summary>
    public int KernelVolume => KernelDepth * KernelHeight * KernelWidth;

    /// <summary>Elements in one input channel plane (D·H·W).</summary>
    public int InputPlane => InputDepth * InputHeight * InputWidth;

    /// <summary>Elements in one output channel plane.</summary>
    public int OutputPlane => OutputDepth * OutputHeight * OutputWidth;

    /// <summary>Rows of the column matrix of one group: (Cin / groups)·kD·kH·kW.</summary>
    public int ColumnRows => InChannelsPerGroup * KernelVolume;

    /// <summary>Elements of the whole input tensor.</summary>
    public long InputLength => (long)Batch * InChannels * InputPlane;

    /// <summary>Elements of the whole output tensor.</summary>
    public long OutputLength => (long)Batch * OutChannels * OutputPlane;

    /// <summary>Elements of the weight tensor.</summary>
    public long WeightLength => (long)OutChannels * ColumnRows;

    /// <summary>
    /// True for a 1×1(×1) kernel with stride 1 and no padding: the column matrix is the input itself,
    /// so no im2col is needed.
    /// </summary>
    public bool IsPointwise =>
        KernelVolume == 1 && StrideDepth == 1 && StrideHeight == 1 && StrideWidth == 1 &&
        PadDepth == 0 && PadHeight == 0 && PadWidth == 0 && OutputPlane == InputPlane;

    /// <summary>The operation name used in messages, e.g. "conv2d" or "conv_transpose3d".</summary>
    public string OperationName => OperationNames(SpatialRank, IsTransposed);

    /// <summary>conv1d … conv_transpose3d, from constants rather than a string built per call.</summary>
    private static string OperationNames(int rank, bool transposed) => (rank, transposed) switch
    {
        (1, false) => "conv1d",
        (2, false) => "conv2d",
        (3, false) => "conv3d",
        (1, true) => "conv_transpose1d",
        (2, true) => "conv_transpose2d",
        (3, true) => "conv_transpose3d",
        _ => (transposed ? "conv_transpose" : "conv") + rank + "d",
    };

    /// <summary>
    /// Describes a convolution. Every span has one entry per spatial dimension (1 to 3, the same for all),
    /// outermost first; the output size per dimension is PyTorch's
    /// floor((in + 2·padding − dilation·(kernel − 1) − 1) / stride + 1).
    /// </summary>
    public static ConvGeometry Create(int batch, int inChannels, int outChannels, int groups,
        ReadOnlySpan<int> inputSize, ReadOnlySpan<int> kernelSize, ReadOnlySpan<int> stride,
        ReadOnlySpan<int> padding, ReadOnlySpan<int> dilation)
    {
        int rank = inputSize.Length;
        string op = OperationNames(rank, transposed: false);
        ValidateCommon(op, rank, batch, inChannels, outChannels, groups, inputSize, kernelSize, stride, padding, dilation);

        Span<int> input = stackalloc int[3], kernel = stackalloc int[3], str = stackalloc int[3];
        Span<int> pad = stackalloc int[3], dil = stackalloc int[3], output = stackalloc int[3];
        SpatialSizes.ExpandTo3(inputSize, input, 1);
        SpatialSizes.ExpandTo3(kernelSize, kernel, 1);
        SpatialSizes.ExpandTo3(stride, str, 1);
        SpatialSizes.ExpandTo3(padding, pad, 0);
        SpatialSizes.ExpandTo3(dilation, dil, 1);
        for (int i = 0; i < 3; i++)
        {
            long padded = (long)input[i] + 2L * pad[i];
            long span = (long)dil[i] * (kernel[i] - 1) + 1;
            if (padded < span)
                throw OpErrors.Argument(
                    op, $"calculated padded input size per channel ({FormatPadded(input, pad, rank)}) is smaller than " +
                    $"the dilated kernel size ({FormatDilated(kernel, dil, rank)}); the kernel cannot be larger than the padded input.");
            long o = (padded - span) / str[i] + 1;
            if (o > int.MaxValue)
                throw OpErrors.Argument(op, $"output size along spatial dimension {i - (3 - rank)} ({o}) is too large.");
            output[i] = (int)o;
        }
        return new ConvGeometry(batch, inChannels, outChannels, groups, rank, transposed: false,
            input, kernel, str, pad, dil, output);
    }

    /// <summary>
    /// Describes a transposed convolution (PyTorch's conv_transpose1d/2d/3d) with input
    /// [N, inChannels, *inputSize] and weight [inChannels, outChannels / groups, *kernelSize] by the
    /// geometry of its adjoint convolution: the returned geometry's input is the transposed convolution's
    /// output [N, outChannels, *outSize] with outSize = (in − 1)·stride − 2·padding + dilation·(kernel − 1)
    /// + outputPadding + 1, and its output is the transposed convolution's input.
    /// </summary>
    public static ConvGeometry CreateTransposed(int batch, int inChannels, int outChannels, int groups,
        ReadOnlySpan<int> inputSize, ReadOnlySpan<int> kernelSize, ReadOnlySpan<int> stride,
        ReadOnlySpan<int> padding, ReadOnlySpan<int> outputPadding, ReadOnlySpan<int> dilation)
    {
        int rank = inputSize.Length;
        string op = OperationNames(rank, transposed: true);
        ValidateCommon(op, rank, batch, inChannels, outChannels, groups, inputSize, kernelSize, stride, padding, dilation);
        SpatialSizes.RequireLength(op, "output_padding", outputPadding, rank);

        Span<int> input = stackalloc int[3], kernel = stackalloc int[3], str = stackalloc int[3];
        Span<int> pad = stackalloc int[3], outPad = stackalloc int[3], dil = stackalloc int[3];
        Span<int> output = stackalloc int[3];
        SpatialSizes.ExpandTo3(inputSize, input, 1);
        SpatialSizes.ExpandTo3(kernelSize, kernel, 1);
        SpatialSizes.ExpandTo3(stride, str, 1);
        SpatialSizes.ExpandTo3(padding, pad, 0);
        SpatialSizes.ExpandTo3(outputPadding, outPad, 0);
        SpatialSizes.ExpandTo3(dilation, dil, 1);
        for (int i = 0; i < 3; i++)
        {
            if (outPad[i] < 0 || (outPad[i] >= str[i] && outPad[i] >= dil[i]))
                throw OpErrors.Argument(
                    op, $"output padding must be non-negative and smaller than either stride or dilation, but got " +
                    $"output_padding={ShapeUtil.Format(outputPadding)}, stride={ShapeUtil.Format(stride)}, " +
                    $"dilation={ShapeUtil.Format(dilation)}.");
            long o = (long)(input[i] - 1) * str[i] - 2L * pad[i] + (long)dil[i] * (kernel[i] - 1) + outPad[i] + 1;
            if (o < 1 || o > int.MaxValue)
                throw OpErrors.Argument(
                    op, $"calculated output size along spatial dimension {i - (3 - rank)} is {o} for input size " +
                    $"{ShapeUtil.Format(inputSize)}, kernel {ShapeUtil.Format(kernelSize)}, stride {ShapeUtil.Format(stride)}, " +
                    $"padding {ShapeUtil.Format(padding)}, output_padding {ShapeUtil.Format(outputPadding)}, " +
                    $"dilation {ShapeUtil.Format(dilation)}; it must be at least 1.");
            output[i] = (int)o;
        }
        // The adjoint convolution maps the transposed output (channels outChannels) back to the transposed
        // input (channels inChannels); its weight [inChannels, outChannels / groups, k...] is exactly the
        // transposed convolution's weight.
        return new ConvGeometry(batch, outChannels, inChannels, groups, rank, transposed: true,
            output, kernel, str, pad, dil, input);
    }

    private static void ValidateCommon(string op, int rank, int batch, int inChannels, int outChannels, int groups,
        ReadOnlySpan<int> inputSize, ReadOnlySpan<int> kernelSize, ReadOnlySpan<int> stride,
        ReadOnlySpan<int> padding, ReadOnlySpan<int> dilation)
    {
        SpatialSizes.RequireRank(op, inputSize);
        SpatialSizes.RequireLength(op, "kernel_size", kernelSize, rank);
        SpatialSizes.RequireLength(op, "stride", stride, rank);
        SpatialSizes.RequireLength(op, "padding", padding, rank);
        SpatialSizes.RequireLength(op, "dilation", dilation, rank);
        if (batch < 0)
            throw OpErrors.Argument(op, $"batch size must be non-negative, got {batch}.");
        if (inChannels < 1 || outChannels < 1)
            throw OpErrors.Argument(op, $"channel counts must be positive, got in_channels={inChannels}, out_channels={outChannels}.");
        if (groups < 1)
            throw OpErrors.Argument(op, $"groups must be positive, got {groups}.");
        if (inChannels % groups != 0)
            throw OpErrors.Argument(op, $"in_channels ({inChannels}) must be divisible by groups ({groups}).");
        if (outChannels % groups != 0)
            throw OpErrors.Argument(op, $"out_channels ({outChannels}) must be divisible by groups ({groups}).");
        for (int i = 0; i < rank; i++)
        {
            if (inputSize[i] < 1)
                throw OpErrors.Argument(op, $"input spatial sizes must be positive, got {ShapeUtil.Format(inputSize)}.");
            if (kernelSize[i] < 1)
                throw OpErrors.Argument(op, $"kernel_size must be positive, got {ShapeUtil.Format(kernelSize)}.");
            if (stride[i] < 1)
                throw OpErrors.Argument(op, $"stride must be positive, got {ShapeUtil.Format(stride)}.");
            if (padding[i] < 0)
                throw OpErrors.Argument(op, $"padding must be non-negative, got {ShapeUtil.Format(padding)}.");
            if (dilation[i] < 1)
                throw OpErrors.Argument(op, $"dilation must be positive, got {ShapeUtil.Format(dilation)}.");
        }
    }

    private static string FormatPadded(ReadOnlySpan<int> input, ReadOnlySpan<int> pad, int rank)
    {
        Span<int> v = stackalloc int[rank];
        for (int i = 0; i < rank; i++) v[i] = input[3 - rank + i] + 2 * pad[3 - rank + i];
        return string.Join(" x ", v.ToArray());
    }

    private static string FormatDilated(ReadOnlySpan<int> kernel, ReadOnlySpan<int> dil, int rank)
    {
        Span<int> v = stackalloc int[rank];
        for (int i = 0; i < rank; i++) v[i] = dil[3 - rank + i] * (kernel[3 - rank + i] - 1) + 1;
        return string.Join(" x ", v.ToArray());
    }

    /// <summary>Throws unless the buffer lengths match this geometry (names the operation and sizes).</summary>
    internal void RequireLength(string what, int actual, long expected)
    {
        if (actual != expected)
            throw OpErrors.Argument(
                OperationName, $"{what} buffer has {actual} elements, expected {expected} for {Describe()}.");
    }

    /// <summary>A short description of the problem for messages.</summary>
    public string Describe()
    {
        string input = SpatialSizes.FormatShape(Batch, InChannels, InputDepth, InputHeight, InputWidth, SpatialRank);
        string weight = SpatialSizes.FormatShape(OutChannels, InChannelsPerGroup, KernelDepth, KernelHeight, KernelWidth, SpatialRank);
        string output = SpatialSizes.FormatShape(Batch, OutChannels, OutputDepth, OutputHeight, OutputWidth, SpatialRank);
        return IsTransposed
            ? $"input {output}, weight {weight}, output {input}, groups {Groups}"
            : $"input {input}, weight {weight}, output {output}, groups {Groups}";
    }

    /// <inheritdoc/>
    public override string ToString() => OperationName + ": " + Describe();
}
