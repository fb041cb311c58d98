using Avalon.Primitives;
using Avalon.Primitives.Pooling;

namespace Avalon.Nn;

public static partial class Functional
{
    private static Attributes MaxPoolAttributes(int rank, int[] kernelSize, int[]? stride, int[]? padding, int[]? dilation, bool ceilMode)
    {
        string op = "max_pool" + rank + "d";
        var k = SizeArguments.Expand(op, "kernel_size", kernelSize, rank, 1);
        var s = stride is null || stride.Length == 0 ? k : SizeArguments.Expand(op, "stride", stride, rank, 1);
        return Attributes.Of(("kernel_size", k), ("stride", s), ("padding", SizeArguments.Expand(op, "padding", padding, rank, 0)),
            ("dilation", SizeArguments.Expand(op, "dilation", dilation, rank, 1)), ("ceil_mode", ceilMode));
    }

    private static Tensor MaxPoolNd(int rank, Tensor input, int[] kernelSize, int[]? stride, int[]? padding, int[]? dilation, bool ceilMode)
    {
        var attrs = MaxPoolAttributes(rank, kernelSize, stride, padding, dilation, ceilMode);
        // A call that may be differentiated keeps the positions of the maxima, found in the same pass, for
        // its rule; one that cannot (inference) computes the values alone.
        return SizeArguments.Batched("max_pool" + rank + "d", input, rank, x => PoolingPrimitives.MayBeDifferentiated(x)
            ? PoolingPrimitives.MaxPoolWithIndices.InvokeMany(attrs, x)[0]
            : PoolingPrimitives.MaxPool.Invoke(attrs, x));
    }

    private static (Tensor Values, Tensor Indices) MaxPoolWithIndicesNd(int rank, Tensor input, int[] kernelSize, int[]? stride,
        int[]? padding, int[]? dilation, bool ceilMode)
    {
        var attrs = MaxPoolAttributes(rank, kernelSize, stride, padding, dilation, ceilMode);
        return SizeArguments.Batched("max_pool" + rank + "d", input, rank, x =>
        {
            var outputs = PoolingPrimitives.MaxPoolWithIndices.InvokeMany(attrs, x);
            return (outputs[0], outputs[1]);
        });
    }

    private static Tensor AvgPoolNd(int rank, Tensor input, int[] kernelSize, int[]? stride, int[]? padding, bool ceilMode,
        bool countIncludePad, int? divisorOverride)
    {
        string op = "avg_pool" + rank + "d";
        var k = SizeArguments.Expand(op, "kernel_size", kernelSize, rank, 1);
        var s = stride is null || stride.Length == 0 ? k : SizeArguments.Expand(op, "stride", stride, rank, 1);
        var items = new List<(string, object)>
        {
            ("kernel_size", k), ("stride", s), ("padding", SizeArguments.Expand(op, "padding", padding, rank, 0)),
            ("ceil_mode", ceilMode), ("count_include_pad", countIncludePad),
        };
        if (divisorOverride is int divisor) items.Add(("divisor_override", divisor));
        var attrs = Attributes.Of([.. items]);
        return SizeArguments.Batched(op, input, rank, x => PoolingPrimitives.AvgPool.Invoke(attrs, x));
    }

    /// <summary>Output sizes for adaptive pooling: null entries keep the input's size along that dim.</summary>
    private static int[] AdaptiveSize(string op, Tensor input, int?[] outputSize, int rank)
    {
        if (outputSize.Length != 1 && outputSize.Length != rank)
            throw OpErrors.Argument(op, $"expected output_size with 1 or {rank} values, got {outputSize.Length}.");
        if (input.Rank < rank)
            throw OpErrors.Argument(op, $"expected {rank + 1}-D (unbatched) or {rank + 2}-D (batched) input, but got input of size: {input.Shape}.");
        var size = new int[rank];
        for (int i = 0; i < rank; i++)
            size[i] = outputSize[outputSize.Length == 1 ? 0 : i] ?? input.Shape[input.Rank - rank + i];
        return size;
    }

    private static Tensor AdaptivePoolNd(int rank, Tensor input, int?[] outputSize, bool max)
    {
        string op = (max ? "adaptive_max_pool" : "adaptive_avg_pool") + rank + "d";
        var attrs = Attributes.Of(("output_size", AdaptiveSize(op, input, outputSize, rank)));
        return SizeArguments.Batched(op, input, rank, x => max
            ? PoolingPrimitives.AdaptiveMaxPoolWithIndices.InvokeMany(attrs, x)[0]
            : PoolingPrimitives.AdaptiveAvgPool.Invoke(attrs, x));
    }

    private static (Tensor Values, Tensor Indices) AdaptiveMaxPoolWithIndicesNd(int rank, Tensor input, int?[] outputSize)
    {
        string op = "adaptive_max_pool" + rank + "d";
        var attrs = Attributes.Of(("output_size", AdaptiveSize(op, input, outputSize, rank)));
        return SizeArguments.Batched(op, input, rank, x =>
        {
            var outputs = PoolingPrimitives.AdaptiveMaxPoolWithIndices.InvokeMany(attrs, x);
            return (outputs[0], outputs[1]);
        });
    }

    /// <summary>1-d max pooling (PyTorch's <c>max_pool1d</c>): the largest value of each window, NaN winning.</summary>
    /// <param name="input">[N, C, L] or unbatched [C, L].</param>
    /// <param name="kernelSize">Window size: one value for every dim or one per dim.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides, at most half the kernel size (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <returns>[N, C, *out] with out = floor((in + 2·padding − dilation·(k − 1) − 1) / stride + 1) (ceil in ceil mode).</returns>
    public static Tensor MaxPool1d(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null,
        int[]? dilation = null, bool ceilMode = false) => MaxPoolNd(1, input, kernelSize, stride, padding, dilation, ceilMode);

    /// <summary>MaxPool1d with the same window along every spatial dim.</summary>
    /// <param name="input">[N, C, L] or unbatched [C, L].</param>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides.</param>
    /// <param name="dilation">Spacing between window elements.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public static Tensor MaxPool1d(Tensor input, int kernelSize, int? stride = null, int padding = 0, int dilation = 1,
        bool ceilMode = false) => MaxPoolNd(1, input, [kernelSize], stride is int s ? [s] : null, [padding], [dilation], ceilMode);

    /// <summary>
    /// MaxPool1d that also returns the int64 position of each maximum, flattened within its input plane
    /// (PyTorch's <c>return_indices=True</c>).
    /// </summary>
    /// <param name="input">[N, C, L] or unbatched [C, L].</param>
    /// <param name="kernelSize">Window size: one value for every dim or one per dim.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public static (Tensor Values, Tensor Indices) MaxPool1dWithIndices(Tensor input, int[] kernelSize, int[]? stride = null,
        int[]? padding = null, int[]? dilation = null, bool ceilMode = false) =>
        MaxPoolWithIndicesNd(1, input, kernelSize, stride, padding, dilation, ceilMode);

    /// <summary>MaxPool1dWithIndices with the same window along every spatial dim.</summary>
    /// <param name="input">[N, C, L] or unbatched [C, L].</param>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides.</param>
    /// <param name="dilation">Spacing between window elements.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public static (Tensor Values, Tensor Indices) MaxPool1dWithIndices(Tensor input, int kernelSize, int? stride = null,
        int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPoolWithIndicesNd(1, input, [kernelSize], stride is int s ? [s] : null, [padding], [dilation], ceilMode);

    /// <summary>1-d average pooling (PyTorch's <c>avg_pool1d</c>).</summary>
    /// <param name="input">[N, C, L] or unbatched [C, L].</param>
    /// <param name="kernelSize">Window size: one value for every dim or one per dim.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides, at most half the kernel size (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    public static Tensor AvgPool1d(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null,
        bool ceilMode = false, bool countIncludePad = true) =>
        AvgPoolNd(1, input, kernelSize, stride, padding, ceilMode, countIncludePad, null);

    /// <summary>AvgPool1d with the same window along every spatial dim.</summary>
    /// <param name="input">[N, C, L] or unbatched [C, L].</param>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor.</param>
    public static Tensor AvgPool1d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false,
        bool countIncludePad = true) =>
        AvgPoolNd(1, input, [kernelSize], stride is int s ? [s] : null, [padding], ceilMode, countIncludePad, null);

    /// <summary>1-d adaptive average pooling (PyTorch's <c>adaptive_avg_pool1d</c>): output cell i averages input [floor(i·in/out), ceil((i + 1)·in/out)).</summary>
    /// <param name="input">[N, C, L] or unbatched [C, L].</param>
    /// <param name="outputSize">The output size along every spatial dim.</param>
    public static Tensor AdaptiveAvgPool1d(Tensor input, int outputSize) => AdaptivePoolNd(1, input, [outputSize], max: false);

    /// <summary>1-d adaptive max pooling (PyTorch's <c>adaptive_max_pool1d</c>): the largest value of each bin.</summary>
    /// <param name="input">[N, C, L] or unbatched [C, L].</param>
    /// <param name="outputSize">The output size along every spatial dim.</param>
    public static Tensor AdaptiveMaxPool1d(Tensor input, int outputSize) => AdaptivePoolNd(1, input, [outputSize], max: true);

    /// <summary>AdaptiveMaxPool1d that also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, L] or unbatched [C, L].</param>
    /// <param name="outputSize">The output size along every spatial dim.</param>
    public static (Tensor Values, Tensor Indices) AdaptiveMaxPool1dWithIndices(Tensor input, int outputSize) =>
        AdaptiveMaxPoolWithIndicesNd(1, input, [outputSize]);

    /// <summary>2-d max pooling (PyTorch's <c>max_pool2d</c>): the largest value of each window, NaN winning.</summary>
    /// <param name="input">[N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="kernelSize">Window size: one value for every dim or one per dim.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides, at most half the kernel size (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <returns>[N, C, *out] with out = floor((in + 2·padding − dilation·(k − 1) − 1) / stride + 1) (ceil in ceil mode).</returns>
    public static Tensor MaxPool2d(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null,
        int[]? dilation = null, bool ceilMode = false) => MaxPoolNd(2, input, kernelSize, stride, padding, dilation, ceilMode);

    /// <summary>MaxPool2d with the same window along every spatial dim.</summary>
    /// <param name="input">[N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides.</param>
    /// <param name="dilation">Spacing between window elements.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public static Tensor MaxPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, int dilation = 1,
        bool ceilMode = false) => MaxPoolNd(2, input, [kernelSize], stride is int s ? [s] : null, [padding], [dilation], ceilMode);

    /// <summary>
    /// MaxPool2d that also returns the int64 position of each maximum, flattened within its input plane
    /// (PyTorch's <c>return_indices=True</c>).
    /// </summary>
    /// <param name="input">[N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="kernelSize">Window size: one value for every dim or one per dim.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public static (Tensor Values, Tensor Indices) MaxPool2dWithIndices(Tensor input, int[] kernelSize, int[]? stride = null,
        int[]? padding = null, int[]? dilation = null, bool ceilMode = false) =>
        MaxPoolWithIndicesNd(2, input, kernelSize, stride, padding, dilation, ceilMode);

    /// <summary>MaxPool2dWithIndices with the same window along every spatial dim.</summary>
    /// <param name="input">[N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides.</param>
    /// <param name="dilation">Spacing between window elements.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public static (Tensor Values, Tensor Indices) MaxPool2dWithIndices(Tensor input, int kernelSize, int? stride = null,
        int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPoolWithIndicesNd(2, input, [kernelSize], stride is int s ? [s] : null, [padding], [dilation], ceilMode);

    /// <summary>2-d average pooling (PyTorch's <c>avg_pool2d</c>).</summary>
    /// <param name="input">[N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="kernelSize">Window size: one value for every dim or one per dim.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides, at most half the kernel size (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    /// <param name="divisorOverride">Divide every window sum by this instead of the window size.</param>
    public static Tensor AvgPool2d(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null,
        bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null) =>
        AvgPoolNd(2, input, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);

    /// <summary>AvgPool2d with the same window along every spatial dim.</summary>
    /// <param name="input">[N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor.</param>
    /// <param name="divisorOverride">Divide every window sum by this instead of the window size.</param>
    public static Tensor AvgPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false,
        bool countIncludePad = true, int? divisorOverride = null) =>
        AvgPoolNd(2, input, [kernelSize], stride is int s ? [s] : null, [padding], ceilMode, countIncludePad, divisorOverride);

    /// <summary>2-d adaptive average pooling (PyTorch's <c>adaptive_avg_pool2d</c>): output cell i averages input [floor(i·in/out), ceil((i + 1)·in/out)).</summary>
    /// <param name="input">[N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="outputSize">The output size along every spatial dim.</param>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int outputSize) => AdaptivePoolNd(2, input, [outputSize], max: false);

    /// <summary>2-d adaptive max pooling (PyTorch's <c>adaptive_max_pool2d</c>): the largest value of each bin.</summary>
    /// <param name="input">[N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="outputSize">The output size along every spatial dim.</param>
    public static Tensor AdaptiveMaxPool2d(Tensor input, int outputSize) => AdaptivePoolNd(2, input, [outputSize], max: true);

    /// <summary>AdaptiveMaxPool2d that also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="outputSize">The output size along every spatial dim.</param>
    public static (Tensor Values, Tensor Indices) AdaptiveMaxPool2dWithIndices(Tensor input, int outputSize) =>
        AdaptiveMaxPoolWithIndicesNd(2, input, [outputSize]);

    /// <summary>AdaptiveAvgPool2d with one output size per spatial dim; a null entry keeps the input's size.</summary>
    /// <param name="input">[N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="outputSize">2 output sizes (null: same as the input).</param>
    public static Tensor AdaptiveAvgPool2d(Tensor input, int?[] outputSize) => AdaptivePoolNd(2, input, outputSize, max: false);

    /// <summary>AdaptiveMaxPool2d with one output size per spatial dim; a null entry keeps the input's size.</summary>
    /// <param name="input">[N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="outputSize">2 output sizes (null: same as the input).</param>
    public static Tensor AdaptiveMaxPool2d(Tensor input, int?[] outputSize) => AdaptivePoolNd(2, input, outputSize, max: true);

    /// <summary>AdaptiveMaxPool2dWithIndices with one output size per spatial dim; a null entry keeps the input's size.</summary>
    /// <param name="input">[N, C, H, W] or unbatched [C, H, W].</param>
    /// <param name="outputSize">2 output sizes (null: same as the input).</param>
    public static (Tensor Values, Tensor Indices) AdaptiveMaxPool2dWithIndices(Tensor input, int?[] outputSize) =>
        AdaptiveMaxPoolWithIndicesNd(2, input, outputSize);

    /// <summary>3-d max pooling (PyTorch's <c>max_pool3d</c>): the largest value of each window, NaN winning.</summary>
    /// <param name="input">[N, C, D, H, W] or unbatched [C, D, H, W].</param>
    /// <param name="kernelSize">Window size: one value for every dim or one per dim.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides, at most half the kernel size (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <returns>[N, C, *out] with out = floor((in + 2·padding − dilation·(k − 1) − 1) / stride + 1) (ceil in ceil mode).</returns>
    public static Tensor MaxPool3d(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null,
        int[]? dilation = null, bool ceilMode = false) => MaxPoolNd(3, input, kernelSize, stride, padding, dilation, ceilMode);

    /// <summary>MaxPool3d with the same window along every spatial dim.</summary>
    /// <param name="input">[N, C, D, H, W] or unbatched [C, D, H, W].</param>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides.</param>
    /// <param name="dilation">Spacing between window elements.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public static Tensor MaxPool3d(Tensor input, int kernelSize, int? stride = null, int padding = 0, int dilation = 1,
        bool ceilMode = false) => MaxPoolNd(3, input, [kernelSize], stride is int s ? [s] : null, [padding], [dilation], ceilMode);

    /// <summary>
    /// MaxPool3d that also returns the int64 position of each maximum, flattened within its input plane
    /// (PyTorch's <c>return_indices=True</c>).
    /// </summary>
    /// <param name="input">[N, C, D, H, W] or unbatched [C, D, H, W].</param>
    /// <param name="kernelSize">Window size: one value for every dim or one per dim.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public static (Tensor Values, Tensor Indices) MaxPool3dWithIndices(Tensor input, int[] kernelSize, int[]? stride = null,
        int[]? padding = null, int[]? dilation = null, bool ceilMode = false) =>
        MaxPoolWithIndicesNd(3, input, kernelSize, stride, padding, dilation, ceilMode);

    /// <summary>MaxPool3dWithIndices with the same window along every spatial dim.</summary>
    /// <param name="input">[N, C, D, H, W] or unbatched [C, D, H, W].</param>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides.</param>
    /// <param name="dilation">Spacing between window elements.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public static (Tensor Values, Tensor Indices) MaxPool3dWithIndices(Tensor input, int kernelSize, int? stride = null,
        int padding = 0, int dilation = 1, bool ceilMode = false) =>
        MaxPoolWithIndicesNd(3, input, [kernelSize], stride is int s ? [s] : null, [padding], [dilation], ceilMode);

    /// <summary>3-d average pooling (PyTorch's <c>avg_pool3d</c>).</summary>
    /// <param name="input">[N, C, D, H, W] or unbatched [C, D, H, W].</param>
    /// <param name="kernelSize">Window size: one value for every dim or one per dim.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides, at most half the kernel size (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    /// <param name="divisorOverride">Divide every window sum by this instead of the window size.</param>
    public static Tensor AvgPool3d(Tensor input, int[] kernelSize, int[]? stride = null, int[]? padding = null,
        bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null) =>
        AvgPoolNd(3, input, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);

    /// <summary>AvgPool3d with the same window along every spatial dim.</summary>
    /// <param name="input">[N, C, D, H, W] or unbatched [C, D, H, W].</param>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides.</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor.</param>
    /// <param name="divisorOverride">Divide every window sum by this instead of the window size.</param>
    public static Tensor AvgPool3d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false,
        bool countIncludePad = true, int? divisorOverride = null) =>
        AvgPoolNd(3, input, [kernelSize], stride is int s ? [s] : null, [padding], ceilMode, countIncludePad, divisorOverride);

    /// <summary>3-d adaptive average pooling (PyTorch's <c>adaptive_avg_pool3d</c>): output cell i averages input [floor(i·in/out), ceil((i + 1)·in/out)).</summary>
    /// <param name="input">[N, C, D, H, W] or unbatched [C, D, H, W].</param>
    /// <param name="outputSize">The output size along every spatial dim.</param>
    public static Tensor AdaptiveAvgPool3d(Tensor input, int outputSize) => AdaptivePoolNd(3, input, [outputSize], max: false);

    /// <summary>3-d adaptive max pooling (PyTorch's <c>adaptive_max_pool3d</c>): the largest value of each bin.</summary>
    /// <param name="input">[N, C, D, H, W] or unbatched [C, D, H, W].</param>
    /// <param name="outputSize">The output size along every spatial dim.</param>
    public static Tensor AdaptiveMaxPool3d(Tensor input, int outputSize) => AdaptivePoolNd(3, input, [outputSize], max: true);

    /// <summary>AdaptiveMaxPool3d that also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, D, H, W] or unbatched [C, D, H, W].</param>
    /// <param name="outputSize">The output size along every spatial dim.</param>
    public static (Tensor Values, Tensor Indices) AdaptiveMaxPool3dWithIndices(Tensor input, int outputSize) =>
        AdaptiveMaxPoolWithIndicesNd(3, input, [outputSize]);

    /// <summary>AdaptiveAvgPool3d with one output size per spatial dim; a null entry keeps the input's size.</summary>
    /// <param name="input">[N, C, D, H, W] or unbatched [C, D, H, W].</param>
    /// <param name="outputSize">3 output sizes (null: same as the input).</param>
    public static Tensor AdaptiveAvgPool3d(Tensor input, int?[] outputSize) => AdaptivePoolNd(3, input, outputSize, max: false);

    /// <summary>AdaptiveMaxPool3d with one output size per spatial dim; a null entry keeps the input's size.</summary>
    /// <param name="input">[N, C, D, H, W] or unbatched [C, D, H, W].</param>
    /// <param name="outputSize">3 output sizes (null: same as the input).</param>
    public static Tensor AdaptiveMaxPool3d(Tensor input, int?[] outputSize) => AdaptivePoolNd(3, input, outputSize, max: true);

    /// <summary>AdaptiveMaxPool3dWithIndices with one output size per spatial dim; a null entry keeps the input's size.</summary>
    /// <param name="input">[N, C, D, H, W] or unbatched [C, D, H, W].</param>
    /// <param name="outputSize">3 output sizes (null: same as the input).</param>
    public static (Tensor Values, Tensor Indices) AdaptiveMaxPool3dWithIndices(Tensor input, int?[] outputSize) =>
        AdaptiveMaxPoolWithIndicesNd(3, input, outputSize);
}
