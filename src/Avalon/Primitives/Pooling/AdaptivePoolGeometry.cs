namespace Avalon.Primitives.Pooling;

/// <summary>
/// The shape of one adaptive pooling problem (adaptive_avg_pool / adaptive_max_pool 1d/2d/3d) on
/// contiguous [N, C, D, H, W] data, 1d and 2d having size-1 leading spatial dimensions. Output cell i
/// along a dimension pools input positions [floor(i·in/out), ceil((i + 1)·in/out)), as in PyTorch.
/// </summary>
internal readonly struct AdaptivePoolGeometry
{
    /// <summary>Batch size.</summary>
    public readonly int Batch;
    /// <summary>Channels.</summary>
    public readonly int Channels;
    /// <summary>Input depth.</summary>
    public readonly int InputDepth;
    /// <summary>Input height.</summary>
    public readonly int InputHeight;
    /// <summary>Input width.</summary>
    public readonly int InputWidth;
    /// <summary>Output depth.</summary>
    public readonly int OutputDepth;
    /// <summary>Output height.</summary>
    public readonly int OutputHeight;
    /// <summary>Output width.</summary>
    public readonly int OutputWidth;
    /// <summary>Number of spatial dimensions the caller described (1, 2 or 3); used in messages.</summary>
    public readonly int SpatialRank;
    /// <summary>Operation name used in messages, e.g. "adaptive_avg_pool2d".</summary>
    public readonly string OperationName;

    private AdaptivePoolGeometry(string op, int spatialRank, int batch, int channels, ReadOnlySpan<int> input, ReadOnlySpan<int> output)
    {
        OperationName = op;
        SpatialRank = spatialRank;
        Batch = batch;
        Channels = channels;
        (InputDepth, InputHeight, InputWidth) = (input[0], input[1], input[2]);
        (OutputDepth, OutputHeight, OutputWidth) = (output[0], output[1], output[2]);
    }

    /// <summary>Number of independent (n, c) planes.</summary>
    public int Planes => Batch * Channels;

    /// <summary>Elements in one input plane.</summary>
    public int InputPlane => InputDepth * InputHeight * InputWidth;

    /// <summary>Elements in one output plane.</summary>
    public int OutputPlane => OutputDepth * OutputHeight * OutputWidth;

    /// <summary>Elements of the whole input.</summary>
    public long InputLength => (long)Planes * InputPlane;

    /// <summary>Elements of the whole output.</summary>
    public long OutputLength => (long)Planes * OutputPlane;

    /// <summary>Describes adaptive average pooling; spans have one entry per spatial dimension (1 to 3).</summary>
    public static AdaptivePoolGeometry CreateAverage(int batch, int channels, ReadOnlySpan<int> inputSize, ReadOnlySpan<int> outputSize)
        => Create(inputSize.Length switch { 1 => "adaptive_avg_pool1d", 2 => "adaptive_avg_pool2d", 3 => "adaptive_avg_pool3d", _ => "adaptive_avg_pool" + inputSize.Length + "d" }, batch, channels, inputSize, outputSize);

    /// <summary>Describes adaptive max pooling; spans have one entry per spatial dimension (1 to 3).</summary>
    public static AdaptivePoolGeometry CreateMax(int batch, int channels, ReadOnlySpan<int> inputSize, ReadOnlySpan<int> outputSize)
        => Create(inputSize.Length switch { 1 => "adaptive_max_pool1d", 2 => "adaptive_max_pool2d", 3 => "adaptive_max_pool3d", _ => "adaptive_max_pool" + inputSize.Length + "d" }, batch, channels, inputSize, outputSize);

    private static AdaptivePoolGeometry Create(string op, int batch, int channels, ReadOnlySpan<int> inputSize,
        ReadOnlySpan<int> outputSize)
    {
        int rank = inputSize.Length;
        SpatialSizes.RequireRank(op, inputSize);
        if (outputSize.Length != rank)
            throw OpErrors.Argument(
                op, $"expected output_size with {rank} value(s), got {ShapeUtil.Format(outputSize)}.");
        if (batch < 0 || channels < 0)
            throw OpErrors.Argument(op, $"batch and channel counts must be non-negative, got N={batch}, C={channels}.");
        for (int i = 0; i < rank; i++)
        {
            if (inputSize[i] < 1)
                throw OpErrors.Argument(
                    op, $"input spatial sizes must be positive, got {ShapeUtil.Format(inputSize)}.");
            if (outputSize[i] < 0)
                throw OpErrors.Argument(
                    op, $"elements of output_size must be greater than or equal to 0, got {ShapeUtil.Format(outputSize)}.");
        }
        Span<int> input = stackalloc int[3], output = stackalloc int[3];
        SpatialSizes.ExpandTo3(inputSize, input, 1);
        SpatialSizes.ExpandTo3(outputSize, output, 1);
        return new AdaptivePoolGeometry(op, rank, batch, channels, input, output);
    }

    /// <summary>First input position pooled by output cell <paramref name="index"/>: floor(index·in/out).</summary>
    public static int Start(int index, int input, int output) => (int)((long)index * input / output);

    /// <summary>One past the last input position pooled by output cell <paramref name="index"/>: ceil((index + 1)·in/out).</summary>
    public static int End(int index, int input, int output) => (int)(((long)(index + 1) * input + output - 1) / output);

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
        $"{OperationName}: input [{Batch}, {Channels}, {InputDepth}, {InputHeight}, {InputWidth}], " +
        $"output [{OutputDepth}, {OutputHeight}, {OutputWidth}]";
}
