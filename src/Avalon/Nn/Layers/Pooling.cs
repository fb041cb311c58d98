using System.Globalization;
using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>
/// What MaxPool1d/2d/3d share (PyTorch's <c>_MaxPoolNd</c>): the window hyperparameters, their
/// checks and the description.
/// </summary>
public abstract class MaxPoolNd : Module
{
    private readonly bool _scalar;

    private protected MaxPoolNd(string name, int rank, int[] kernelSize, int[]? stride, int[]? padding, int[]? dilation,
        bool ceilMode, bool scalar)
    {
        KernelSize = SizeArguments.Expand(name, "kernel_size", kernelSize, rank, 1);
        Stride = stride is null || stride.Length == 0 ? KernelSize : SizeArguments.Expand(name, "stride", stride, rank, 1);
        Padding = SizeArguments.Expand(name, "padding", padding, rank, 0);
        Dilation = SizeArguments.Expand(name, "dilation", dilation, rank, 1);
        CeilMode = ceilMode;
        _scalar = scalar;
    }

    /// <summary>Window size per spatial dim.</summary>
    public int[] KernelSize { get; }

    /// <summary>Window stride per spatial dim.</summary>
    public int[] Stride { get; }

    /// <summary>Padding per spatial dim.</summary>
    public int[] Padding { get; }

    /// <summary>Dilation per spatial dim.</summary>
    public int[] Dilation { get; }

    /// <summary>Whether output sizes are rounded up.</summary>
    public bool CeilMode { get; }

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"kernel_size={PythonRepr.IntOrTuple(KernelSize, _scalar)}, stride={PythonRepr.IntOrTuple(Stride, _scalar)}, " +
        $"padding={PythonRepr.IntOrTuple(Padding, _scalar)}, dilation={PythonRepr.IntOrTuple(Dilation, _scalar)}, ceil_mode={PythonRepr.Bool(CeilMode)}";
}

/// <summary>
/// What AvgPool1d/2d/3d share (PyTorch's <c>_AvgPoolNd</c>): the window hyperparameters, their
/// checks and the description.
/// </summary>
public abstract class AvgPoolNd : Module
{
    private readonly bool _scalar;

    private protected AvgPoolNd(string name, int rank, int[] kernelSize, int[]? stride, int[]? padding, bool ceilMode,
        bool countIncludePad, bool scalar)
    {
        KernelSize = SizeArguments.Expand(name, "kernel_size", kernelSize, rank, 1);
        Stride = stride is null || stride.Length == 0 ? KernelSize : SizeArguments.Expand(name, "stride", stride, rank, 1);
        Padding = SizeArguments.Expand(name, "padding", padding, rank, 0);
        CeilMode = ceilMode;
        CountIncludePad = countIncludePad;
        _scalar = scalar;
    }

    /// <summary>Window size per spatial dim.</summary>
    public int[] KernelSize { get; }

    /// <summary>Window stride per spatial dim.</summary>
    public int[] Stride { get; }

    /// <summary>Padding per spatial dim.</summary>
    public int[] Padding { get; }

    /// <summary>Whether output sizes are rounded up.</summary>
    public bool CeilMode { get; }

    /// <summary>Whether padding zeros count in the divisor.</summary>
    public bool CountIncludePad { get; }

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"kernel_size={PythonRepr.IntOrTuple(KernelSize, _scalar)}, stride={PythonRepr.IntOrTuple(Stride, _scalar)}, padding={PythonRepr.IntOrTuple(Padding, _scalar)}";
}

/// <summary>
/// What the adaptive pooling layers share (PyTorch's <c>_AdaptiveAvgPoolNd</c> and
/// <c>_AdaptiveMaxPoolNd</c>): the output size and the description.
/// </summary>
public abstract class AdaptivePoolNd : Module
{
    private protected AdaptivePoolNd(int?[] outputSize) => OutputSize = outputSize;

    /// <summary>The output size: one value for every dim, or one per dim (null keeps the input's size).</summary>
    public int?[] OutputSize { get; }

    /// <inheritdoc />
    public override string ExtraRepr() => "output_size=" + AdaptiveRepr.Format(OutputSize);
}

/// <summary>1-d max pooling (PyTorch's <c>nn.MaxPool1d</c>): the largest value of each window.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, L] or [C, L]; output [N, C, *out] with
/// out = floor((in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1) (ceil in ceil mode).</para>
/// <para>PyTorch's <c>return_indices=True</c> is <see cref="ForwardWithIndices"/>.</para>
/// </remarks>
public class MaxPool1d : MaxPoolNd
{
    /// <summary>Creates the layer with the same window along every spatial dim.</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool1d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : base("MaxPool1d", 1, [kernelSize], stride is int s ? [s] : null, [padding], [dilation], ceilMode, scalar: true) { }

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool1d(int[] kernelSize, int[]? stride = null, int[]? padding = null, int[]? dilation = null, bool ceilMode = false)
        : base("MaxPool1d", 1, kernelSize, stride, padding, dilation, ceilMode, scalar: false) { }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, L] or [C, L].</param>
    public override Tensor Forward(Tensor input) => MaxPool1d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <summary>Applies the pooling and also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, L] or [C, L].</param>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) =>
        MaxPool1dWithIndices(input, KernelSize, Stride, Padding, Dilation, CeilMode);
}

/// <summary>1-d average pooling (PyTorch's <c>nn.AvgPool1d</c>).</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, L] or [C, L]; output [N, C, *out] with
/// out = floor((in + 2·padding − kernel_size) / stride + 1) (ceil in ceil mode).</para>
/// </remarks>
public class AvgPool1d : AvgPoolNd
{
    /// <summary>Creates the layer with the same window along every spatial dim.</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    // PyTorch's AvgPool1d keeps its sizes as 1-tuples, so its description prints tuples even here.
    public AvgPool1d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
        : base("AvgPool1d", 1, [kernelSize], stride is int s ? [s] : null, [padding], ceilMode, countIncludePad, scalar: false) { }

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    public AvgPool1d(int[] kernelSize, int[]? stride = null, int[]? padding = null, bool ceilMode = false, bool countIncludePad = true)
        : base("AvgPool1d", 1, kernelSize, stride, padding, ceilMode, countIncludePad, scalar: false) { }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, L] or [C, L].</param>
    public override Tensor Forward(Tensor input) => AvgPool1d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad);
}

/// <summary>1-d adaptive average pooling (PyTorch's <c>nn.AdaptiveAvgPool1d</c>): output cell i averages input [floor(i·in/out), ceil((i + 1)·in/out)).</summary>
/// <remarks><para><b>Shape:</b> input [N, C, L] or [C, L]; output [N, C, *output_size].</para></remarks>
public class AdaptiveAvgPool1d : AdaptivePoolNd
{
    /// <summary>Creates the layer with the same output size along every spatial dim.</summary>
    /// <param name="outputSize">The output size.</param>
    public AdaptiveAvgPool1d(int outputSize) : base([outputSize]) { }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, L] or [C, L].</param>
    public override Tensor Forward(Tensor input) => AdaptiveAvgPool1d(input, OutputSize[0] ?? input.Shape[-1]);
}

/// <summary>1-d adaptive max pooling (PyTorch's <c>nn.AdaptiveMaxPool1d</c>): the largest value of each bin.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, L] or [C, L]; output [N, C, *output_size].</para>
/// <para>PyTorch's <c>return_indices=True</c> is <see cref="ForwardWithIndices"/>.</para>
/// </remarks>
public class AdaptiveMaxPool1d : AdaptivePoolNd
{
    /// <summary>Creates the layer with the same output size along every spatial dim.</summary>
    /// <param name="outputSize">The output size.</param>
    public AdaptiveMaxPool1d(int outputSize) : base([outputSize]) { }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, L] or [C, L].</param>
    public override Tensor Forward(Tensor input) => AdaptiveMaxPool1d(input, OutputSize[0] ?? input.Shape[-1]);

    /// <summary>Applies the pooling and also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, L] or [C, L].</param>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) => AdaptiveMaxPool1dWithIndices(input, OutputSize[0] ?? input.Shape[-1]);
}

/// <summary>2-d max pooling (PyTorch's <c>nn.MaxPool2d</c>): the largest value of each window.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, H, W] or [C, H, W]; output [N, C, *out] with
/// out = floor((in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1) (ceil in ceil mode).</para>
/// <para>PyTorch's <c>return_indices=True</c> is <see cref="ForwardWithIndices"/>.</para>
/// </remarks>
public class MaxPool2d : MaxPoolNd
{
    /// <summary>Creates the layer with the same window along every spatial dim.</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : base("MaxPool2d", 2, [kernelSize], stride is int s ? [s] : null, [padding], [dilation], ceilMode, scalar: true) { }

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool2d(int[] kernelSize, int[]? stride = null, int[]? padding = null, int[]? dilation = null, bool ceilMode = false)
        : base("MaxPool2d", 2, kernelSize, stride, padding, dilation, ceilMode, scalar: false) { }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, H, W] or [C, H, W].</param>
    public override Tensor Forward(Tensor input) => MaxPool2d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <summary>Applies the pooling and also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, H, W] or [C, H, W].</param>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) =>
        MaxPool2dWithIndices(input, KernelSize, Stride, Padding, Dilation, CeilMode);
}

/// <summary>2-d average pooling (PyTorch's <c>nn.AvgPool2d</c>).</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, H, W] or [C, H, W]; output [N, C, *out] with
/// out = floor((in + 2·padding − kernel_size) / stride + 1) (ceil in ceil mode).</para>
/// </remarks>
public class AvgPool2d : AvgPoolNd
{
    /// <summary>Creates the layer with the same window along every spatial dim.</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    /// <param name="divisorOverride">Divide every window sum by this instead of the window size.</param>
    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
        : base("AvgPool2d", 2, [kernelSize], stride is int s ? [s] : null, [padding], ceilMode, countIncludePad, scalar: true) => DivisorOverride = divisorOverride;

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    /// <param name="divisorOverride">Divide every window sum by this instead of the window size.</param>
    public AvgPool2d(int[] kernelSize, int[]? stride = null, int[]? padding = null, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
        : base("AvgPool2d", 2, kernelSize, stride, padding, ceilMode, countIncludePad, scalar: false) => DivisorOverride = divisorOverride;

    /// <summary>The divisor used instead of the window size, or null.</summary>
    public int? DivisorOverride { get; }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, H, W] or [C, H, W].</param>
    public override Tensor Forward(Tensor input) => AvgPool2d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad, DivisorOverride);
}

/// <summary>2-d adaptive average pooling (PyTorch's <c>nn.AdaptiveAvgPool2d</c>): output cell i averages input [floor(i·in/out), ceil((i + 1)·in/out)).</summary>
/// <remarks><para><b>Shape:</b> input [N, C, H, W] or [C, H, W]; output [N, C, *output_size].</para></remarks>
public class AdaptiveAvgPool2d : AdaptivePoolNd
{
    /// <summary>Creates the layer with the same output size along every spatial dim.</summary>
    /// <param name="outputSize">The output size.</param>
    public AdaptiveAvgPool2d(int outputSize) : base([outputSize]) { }

    /// <summary>Creates the layer with one output size per spatial dim; null keeps the input's size.</summary>
    /// <param name="outputSize">The output sizes.</param>
    public AdaptiveAvgPool2d(int?[] outputSize) : base((int?[])outputSize.Clone()) { }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, H, W] or [C, H, W].</param>
    public override Tensor Forward(Tensor input) => AdaptiveAvgPool2d(input, OutputSize);
}

/// <summary>2-d adaptive max pooling (PyTorch's <c>nn.AdaptiveMaxPool2d</c>): the largest value of each bin.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, H, W] or [C, H, W]; output [N, C, *output_size].</para>
/// <para>PyTorch's <c>return_indices=True</c> is <see cref="ForwardWithIndices"/>.</para>
/// </remarks>
public class AdaptiveMaxPool2d : AdaptivePoolNd
{
    /// <summary>Creates the layer with the same output size along every spatial dim.</summary>
    /// <param name="outputSize">The output size.</param>
    public AdaptiveMaxPool2d(int outputSize) : base([outputSize]) { }

    /// <summary>Creates the layer with one output size per spatial dim; null keeps the input's size.</summary>
    /// <param name="outputSize">The output sizes.</param>
    public AdaptiveMaxPool2d(int?[] outputSize) : base((int?[])outputSize.Clone()) { }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, H, W] or [C, H, W].</param>
    public override Tensor Forward(Tensor input) => AdaptiveMaxPool2d(input, OutputSize);

    /// <summary>Applies the pooling and also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, H, W] or [C, H, W].</param>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) => AdaptiveMaxPool2dWithIndices(input, OutputSize);
}

/// <summary>3-d max pooling (PyTorch's <c>nn.MaxPool3d</c>): the largest value of each window.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, D, H, W] or [C, D, H, W]; output [N, C, *out] with
/// out = floor((in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1) (ceil in ceil mode).</para>
/// <para>PyTorch's <c>return_indices=True</c> is <see cref="ForwardWithIndices"/>.</para>
/// </remarks>
public class MaxPool3d : MaxPoolNd
{
    /// <summary>Creates the layer with the same window along every spatial dim.</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool3d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : base("MaxPool3d", 3, [kernelSize], stride is int s ? [s] : null, [padding], [dilation], ceilMode, scalar: true) { }

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool3d(int[] kernelSize, int[]? stride = null, int[]? padding = null, int[]? dilation = null, bool ceilMode = false)
        : base("MaxPool3d", 3, kernelSize, stride, padding, dilation, ceilMode, scalar: false) { }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, D, H, W] or [C, D, H, W].</param>
    public override Tensor Forward(Tensor input) => MaxPool3d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <summary>Applies the pooling and also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, D, H, W] or [C, D, H, W].</param>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) =>
        MaxPool3dWithIndices(input, KernelSize, Stride, Padding, Dilation, CeilMode);
}

/// <summary>3-d average pooling (PyTorch's <c>nn.AvgPool3d</c>).</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, D, H, W] or [C, D, H, W]; output [N, C, *out] with
/// out = floor((in + 2·padding − kernel_size) / stride + 1) (ceil in ceil mode).</para>
/// </remarks>
public class AvgPool3d : AvgPoolNd
{
    /// <summary>Creates the layer with the same window along every spatial dim.</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    /// <param name="divisorOverride">Divide every window sum by this instead of the window size.</param>
    public AvgPool3d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
        : base("AvgPool3d", 3, [kernelSize], stride is int s ? [s] : null, [padding], ceilMode, countIncludePad, scalar: true) => DivisorOverride = divisorOverride;

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    /// <param name="divisorOverride">Divide every window sum by this instead of the window size.</param>
    public AvgPool3d(int[] kernelSize, int[]? stride = null, int[]? padding = null, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
        : base("AvgPool3d", 3, kernelSize, stride, padding, ceilMode, countIncludePad, scalar: false) => DivisorOverride = divisorOverride;

    /// <summary>The divisor used instead of the window size, or null.</summary>
    public int? DivisorOverride { get; }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, D, H, W] or [C, D, H, W].</param>
    public override Tensor Forward(Tensor input) => AvgPool3d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad, DivisorOverride);
}

/// <summary>3-d adaptive average pooling (PyTorch's <c>nn.AdaptiveAvgPool3d</c>): output cell i averages input [floor(i·in/out), ceil((i + 1)·in/out)).</summary>
/// <remarks><para><b>Shape:</b> input [N, C, D, H, W] or [C, D, H, W]; output [N, C, *output_size].</para></remarks>
public class AdaptiveAvgPool3d : AdaptivePoolNd
{
    /// <summary>Creates the layer with the same output size along every spatial dim.</summary>
    /// <param name="outputSize">The output size.</param>
    public AdaptiveAvgPool3d(int outputSize) : base([outputSize]) { }

    /// <summary>Creates the layer with one output size per spatial dim; null keeps the input's size.</summary>
    /// <param name="outputSize">The output sizes.</param>
    public AdaptiveAvgPool3d(int?[] outputSize) : base((int?[])outputSize.Clone()) { }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, D, H, W] or [C, D, H, W].</param>
    public override Tensor Forward(Tensor input) => AdaptiveAvgPool3d(input, OutputSize);
}

/// <summary>3-d adaptive max pooling (PyTorch's <c>nn.AdaptiveMaxPool3d</c>): the largest value of each bin.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, D, H, W] or [C, D, H, W]; output [N, C, *output_size].</para>
/// <para>PyTorch's <c>return_indices=True</c> is <see cref="ForwardWithIndices"/>.</para>
/// </remarks>
public class AdaptiveMaxPool3d : AdaptivePoolNd
{
    /// <summary>Creates the layer with the same output size along every spatial dim.</summary>
    /// <param name="outputSize">The output size.</param>
    public AdaptiveMaxPool3d(int outputSize) : base([outputSize]) { }

    /// <summary>Creates the layer with one output size per spatial dim; null keeps the input's size.</summary>
    /// <param name="outputSize">The output sizes.</param>
    public AdaptiveMaxPool3d(int?[] outputSize) : base((int?[])outputSize.Clone()) { }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, D, H, W] or [C, D, H, W].</param>
    public override Tensor Forward(Tensor input) => AdaptiveMaxPool3d(input, OutputSize);

    /// <summary>Applies the pooling and also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, D, H, W] or [C, D, H, W].</param>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) => AdaptiveMaxPool3dWithIndices(input, OutputSize);
}

/// <summary>Formats an adaptive pooling's output size like Python: <c>3</c>, <c>(2, None)</c>.</summary>
internal static class AdaptiveRepr
{
    /// <summary>The int when one value was given, else the tuple with None for null.</summary>
    public static string Format(int?[] size) => size.Length == 1
        ? size[0]?.ToString(CultureInfo.InvariantCulture) ?? "None"
        : "(" + string.Join(", ", size.Select(v => v?.ToString(CultureInfo.InvariantCulture) ?? "None")) + ")";
}
