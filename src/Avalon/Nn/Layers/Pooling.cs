using System.Globalization;
using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>1-d max pooling (PyTorch's <c>nn.MaxPool1d</c>): the largest value of each window.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, L] or [C, L]; output [N, C, *out] with
/// out = floor((in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1) (ceil in ceil mode).</para>
/// <para>PyTorch's <c>return_indices=True</c> is <see cref="ForwardWithIndices"/>.</para>
/// </remarks>
public class MaxPool1d : Module
{
    private readonly bool _scalar;

    /// <summary>Creates the layer with the same window along every spatial dim.</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool1d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : this([kernelSize], stride is int s ? [s] : null, [padding], [dilation], ceilMode) => _scalar = true;

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool1d(int[] kernelSize, int[]? stride = null, int[]? padding = null, int[]? dilation = null, bool ceilMode = false)
    {
        KernelSize = SizeArguments.Expand("MaxPool1d", "kernel_size", kernelSize, 1, 1);
        Stride = stride is null || stride.Length == 0 ? KernelSize : SizeArguments.Expand("MaxPool1d", "stride", stride, 1, 1);
        Padding = SizeArguments.Expand("MaxPool1d", "padding", padding, 1, 0);
        Dilation = SizeArguments.Expand("MaxPool1d", "dilation", dilation, 1, 1);
        CeilMode = ceilMode;
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

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, L] or [C, L].</param>
    public override Tensor Forward(Tensor input) => MaxPool1d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <summary>Applies the pooling and also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, L] or [C, L].</param>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) =>
        MaxPool1dWithIndices(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"kernel_size={PythonRepr.IntOrTuple(KernelSize, _scalar)}, stride={PythonRepr.IntOrTuple(Stride, _scalar)}, " +
        $"padding={PythonRepr.IntOrTuple(Padding, _scalar)}, dilation={PythonRepr.IntOrTuple(Dilation, _scalar)}, ceil_mode={PythonRepr.Bool(CeilMode)}";
}

/// <summary>1-d average pooling (PyTorch's <c>nn.AvgPool1d</c>).</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, L] or [C, L]; output [N, C, *out] with
/// out = floor((in + 2·padding − kernel_size) / stride + 1) (ceil in ceil mode).</para>
/// </remarks>
public class AvgPool1d : Module
{
    private readonly bool _scalar;

    /// <summary>Creates the layer with the same window along every spatial dim.</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    public AvgPool1d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true)
        : this([kernelSize], stride is int s ? [s] : null, [padding], ceilMode, countIncludePad) => _scalar = 1 > 1;

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    public AvgPool1d(int[] kernelSize, int[]? stride = null, int[]? padding = null, bool ceilMode = false, bool countIncludePad = true)
    {
        KernelSize = SizeArguments.Expand("AvgPool1d", "kernel_size", kernelSize, 1, 1);
        Stride = stride is null || stride.Length == 0 ? KernelSize : SizeArguments.Expand("AvgPool1d", "stride", stride, 1, 1);
        Padding = SizeArguments.Expand("AvgPool1d", "padding", padding, 1, 0);
        CeilMode = ceilMode;
        CountIncludePad = countIncludePad;
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

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, L] or [C, L].</param>
    public override Tensor Forward(Tensor input) => AvgPool1d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad);

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"kernel_size={PythonRepr.IntOrTuple(KernelSize, _scalar)}, stride={PythonRepr.IntOrTuple(Stride, _scalar)}, padding={PythonRepr.IntOrTuple(Padding, _scalar)}";
}

/// <summary>1-d adaptive average pooling (PyTorch's <c>nn.AdaptiveAvgPool1d</c>): output cell i averages input [floor(i·in/out), ceil((i + 1)·in/out)).</summary>
/// <remarks><para><b>Shape:</b> input [N, C, L] or [C, L]; output [N, C, *output_size].</para></remarks>
public class AdaptiveAvgPool1d : Module
{
    /// <summary>Creates the layer with the same output size along every spatial dim.</summary>
    /// <param name="outputSize">The output size.</param>
    public AdaptiveAvgPool1d(int outputSize) => OutputSize = [outputSize];

    /// <summary>The output size: one value for every dim, or one per dim (null keeps the input's size).</summary>
    public int?[] OutputSize { get; }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, L] or [C, L].</param>
    public override Tensor Forward(Tensor input) => AdaptiveAvgPool1d(input, OutputSize[0] ?? input.Shape[-1]);

    /// <inheritdoc />
    public override string ExtraRepr() => "output_size=" + AdaptiveRepr.Format(OutputSize);
}

/// <summary>1-d adaptive max pooling (PyTorch's <c>nn.AdaptiveMaxPool1d</c>): the largest value of each bin.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, L] or [C, L]; output [N, C, *output_size].</para>
/// <para>PyTorch's <c>return_indices=True</c> is <see cref="ForwardWithIndices"/>.</para>
/// </remarks>
public class AdaptiveMaxPool1d : Module
{
    /// <summary>Creates the layer with the same output size along every spatial dim.</summary>
    /// <param name="outputSize">The output size.</param>
    public AdaptiveMaxPool1d(int outputSize) => OutputSize = [outputSize];

    /// <summary>The output size: one value for every dim, or one per dim (null keeps the input's size).</summary>
    public int?[] OutputSize { get; }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, L] or [C, L].</param>
    public override Tensor Forward(Tensor input) => AdaptiveMaxPool1d(input, OutputSize[0] ?? input.Shape[-1]);

    /// <summary>Applies the pooling and also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, L] or [C, L].</param>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) => AdaptiveMaxPool1dWithIndices(input, OutputSize[0] ?? input.Shape[-1]);

    /// <inheritdoc />
    public override string ExtraRepr() => "output_size=" + AdaptiveRepr.Format(OutputSize);
}

/// <summary>2-d max pooling (PyTorch's <c>nn.MaxPool2d</c>): the largest value of each window.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, H, W] or [C, H, W]; output [N, C, *out] with
/// out = floor((in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1) (ceil in ceil mode).</para>
/// <para>PyTorch's <c>return_indices=True</c> is <see cref="ForwardWithIndices"/>.</para>
/// </remarks>
public class MaxPool2d : Module
{
    private readonly bool _scalar;

    /// <summary>Creates the layer with the same window along every spatial dim.</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : this([kernelSize], stride is int s ? [s] : null, [padding], [dilation], ceilMode) => _scalar = true;

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool2d(int[] kernelSize, int[]? stride = null, int[]? padding = null, int[]? dilation = null, bool ceilMode = false)
    {
        KernelSize = SizeArguments.Expand("MaxPool2d", "kernel_size", kernelSize, 2, 1);
        Stride = stride is null || stride.Length == 0 ? KernelSize : SizeArguments.Expand("MaxPool2d", "stride", stride, 2, 1);
        Padding = SizeArguments.Expand("MaxPool2d", "padding", padding, 2, 0);
        Dilation = SizeArguments.Expand("MaxPool2d", "dilation", dilation, 2, 1);
        CeilMode = ceilMode;
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

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, H, W] or [C, H, W].</param>
    public override Tensor Forward(Tensor input) => MaxPool2d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <summary>Applies the pooling and also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, H, W] or [C, H, W].</param>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) =>
        MaxPool2dWithIndices(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"kernel_size={PythonRepr.IntOrTuple(KernelSize, _scalar)}, stride={PythonRepr.IntOrTuple(Stride, _scalar)}, " +
        $"padding={PythonRepr.IntOrTuple(Padding, _scalar)}, dilation={PythonRepr.IntOrTuple(Dilation, _scalar)}, ceil_mode={PythonRepr.Bool(CeilMode)}";
}

/// <summary>2-d average pooling (PyTorch's <c>nn.AvgPool2d</c>).</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, H, W] or [C, H, W]; output [N, C, *out] with
/// out = floor((in + 2·padding − kernel_size) / stride + 1) (ceil in ceil mode).</para>
/// </remarks>
public class AvgPool2d : Module
{
    private readonly bool _scalar;

    /// <summary>Creates the layer with the same window along every spatial dim.</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    /// <param name="divisorOverride">Divide every window sum by this instead of the window size.</param>
    public AvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
        : this([kernelSize], stride is int s ? [s] : null, [padding], ceilMode, countIncludePad, divisorOverride) => _scalar = 2 > 1;

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    /// <param name="divisorOverride">Divide every window sum by this instead of the window size.</param>
    public AvgPool2d(int[] kernelSize, int[]? stride = null, int[]? padding = null, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
    {
        KernelSize = SizeArguments.Expand("AvgPool2d", "kernel_size", kernelSize, 2, 1);
        Stride = stride is null || stride.Length == 0 ? KernelSize : SizeArguments.Expand("AvgPool2d", "stride", stride, 2, 1);
        Padding = SizeArguments.Expand("AvgPool2d", "padding", padding, 2, 0);
        CeilMode = ceilMode;
        CountIncludePad = countIncludePad;
        DivisorOverride = divisorOverride;
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

    /// <summary>The divisor used instead of the window size, or null.</summary>
    public int? DivisorOverride { get; }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, H, W] or [C, H, W].</param>
    public override Tensor Forward(Tensor input) => AvgPool2d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad, DivisorOverride);

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"kernel_size={PythonRepr.IntOrTuple(KernelSize, _scalar)}, stride={PythonRepr.IntOrTuple(Stride, _scalar)}, padding={PythonRepr.IntOrTuple(Padding, _scalar)}";
}

/// <summary>2-d adaptive average pooling (PyTorch's <c>nn.AdaptiveAvgPool2d</c>): output cell i averages input [floor(i·in/out), ceil((i + 1)·in/out)).</summary>
/// <remarks><para><b>Shape:</b> input [N, C, H, W] or [C, H, W]; output [N, C, *output_size].</para></remarks>
public class AdaptiveAvgPool2d : Module
{
    /// <summary>Creates the layer with the same output size along every spatial dim.</summary>
    /// <param name="outputSize">The output size.</param>
    public AdaptiveAvgPool2d(int outputSize) => OutputSize = [outputSize];

    /// <summary>Creates the layer with one output size per spatial dim; null keeps the input's size.</summary>
    /// <param name="outputSize">The output sizes.</param>
    public AdaptiveAvgPool2d(int?[] outputSize) => OutputSize = (int?[])outputSize.Clone();

    /// <summary>The output size: one value for every dim, or one per dim (null keeps the input's size).</summary>
    public int?[] OutputSize { get; }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, H, W] or [C, H, W].</param>
    public override Tensor Forward(Tensor input) => AdaptiveAvgPool2d(input, OutputSize);

    /// <inheritdoc />
    public override string ExtraRepr() => "output_size=" + AdaptiveRepr.Format(OutputSize);
}

/// <summary>2-d adaptive max pooling (PyTorch's <c>nn.AdaptiveMaxPool2d</c>): the largest value of each bin.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, H, W] or [C, H, W]; output [N, C, *output_size].</para>
/// <para>PyTorch's <c>return_indices=True</c> is <see cref="ForwardWithIndices"/>.</para>
/// </remarks>
public class AdaptiveMaxPool2d : Module
{
    /// <summary>Creates the layer with the same output size along every spatial dim.</summary>
    /// <param name="outputSize">The output size.</param>
    public AdaptiveMaxPool2d(int outputSize) => OutputSize = [outputSize];

    /// <summary>Creates the layer with one output size per spatial dim; null keeps the input's size.</summary>
    /// <param name="outputSize">The output sizes.</param>
    public AdaptiveMaxPool2d(int?[] outputSize) => OutputSize = (int?[])outputSize.Clone();

    /// <summary>The output size: one value for every dim, or one per dim (null keeps the input's size).</summary>
    public int?[] OutputSize { get; }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, H, W] or [C, H, W].</param>
    public override Tensor Forward(Tensor input) => AdaptiveMaxPool2d(input, OutputSize);

    /// <summary>Applies the pooling and also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, H, W] or [C, H, W].</param>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) => AdaptiveMaxPool2dWithIndices(input, OutputSize);

    /// <inheritdoc />
    public override string ExtraRepr() => "output_size=" + AdaptiveRepr.Format(OutputSize);
}

/// <summary>3-d max pooling (PyTorch's <c>nn.MaxPool3d</c>): the largest value of each window.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, D, H, W] or [C, D, H, W]; output [N, C, *out] with
/// out = floor((in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1) (ceil in ceil mode).</para>
/// <para>PyTorch's <c>return_indices=True</c> is <see cref="ForwardWithIndices"/>.</para>
/// </remarks>
public class MaxPool3d : Module
{
    private readonly bool _scalar;

    /// <summary>Creates the layer with the same window along every spatial dim.</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool3d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
        : this([kernelSize], stride is int s ? [s] : null, [padding], [dilation], ceilMode) => _scalar = true;

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit −∞ padding on both sides (default 0).</param>
    /// <param name="dilation">Spacing between window elements (default 1).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    public MaxPool3d(int[] kernelSize, int[]? stride = null, int[]? padding = null, int[]? dilation = null, bool ceilMode = false)
    {
        KernelSize = SizeArguments.Expand("MaxPool3d", "kernel_size", kernelSize, 3, 1);
        Stride = stride is null || stride.Length == 0 ? KernelSize : SizeArguments.Expand("MaxPool3d", "stride", stride, 3, 1);
        Padding = SizeArguments.Expand("MaxPool3d", "padding", padding, 3, 0);
        Dilation = SizeArguments.Expand("MaxPool3d", "dilation", dilation, 3, 1);
        CeilMode = ceilMode;
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

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, D, H, W] or [C, D, H, W].</param>
    public override Tensor Forward(Tensor input) => MaxPool3d(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <summary>Applies the pooling and also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, D, H, W] or [C, D, H, W].</param>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) =>
        MaxPool3dWithIndices(input, KernelSize, Stride, Padding, Dilation, CeilMode);

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"kernel_size={PythonRepr.IntOrTuple(KernelSize, _scalar)}, stride={PythonRepr.IntOrTuple(Stride, _scalar)}, " +
        $"padding={PythonRepr.IntOrTuple(Padding, _scalar)}, dilation={PythonRepr.IntOrTuple(Dilation, _scalar)}, ceil_mode={PythonRepr.Bool(CeilMode)}";
}

/// <summary>3-d average pooling (PyTorch's <c>nn.AvgPool3d</c>).</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, D, H, W] or [C, D, H, W]; output [N, C, *out] with
/// out = floor((in + 2·padding − kernel_size) / stride + 1) (ceil in ceil mode).</para>
/// </remarks>
public class AvgPool3d : Module
{
    private readonly bool _scalar;

    /// <summary>Creates the layer with the same window along every spatial dim.</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    /// <param name="divisorOverride">Divide every window sum by this instead of the window size.</param>
    public AvgPool3d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
        : this([kernelSize], stride is int s ? [s] : null, [padding], ceilMode, countIncludePad, divisorOverride) => _scalar = 3 > 1;

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Window stride (default: the kernel size).</param>
    /// <param name="padding">Implicit zero padding on both sides (default 0).</param>
    /// <param name="ceilMode">Round the output size up instead of down.</param>
    /// <param name="countIncludePad">Count the padding zeros in the divisor (default true).</param>
    /// <param name="divisorOverride">Divide every window sum by this instead of the window size.</param>
    public AvgPool3d(int[] kernelSize, int[]? stride = null, int[]? padding = null, bool ceilMode = false, bool countIncludePad = true, int? divisorOverride = null)
    {
        KernelSize = SizeArguments.Expand("AvgPool3d", "kernel_size", kernelSize, 3, 1);
        Stride = stride is null || stride.Length == 0 ? KernelSize : SizeArguments.Expand("AvgPool3d", "stride", stride, 3, 1);
        Padding = SizeArguments.Expand("AvgPool3d", "padding", padding, 3, 0);
        CeilMode = ceilMode;
        CountIncludePad = countIncludePad;
        DivisorOverride = divisorOverride;
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

    /// <summary>The divisor used instead of the window size, or null.</summary>
    public int? DivisorOverride { get; }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, D, H, W] or [C, D, H, W].</param>
    public override Tensor Forward(Tensor input) => AvgPool3d(input, KernelSize, Stride, Padding, CeilMode, CountIncludePad, DivisorOverride);

    /// <inheritdoc />
    public override string ExtraRepr() =>
        $"kernel_size={PythonRepr.IntOrTuple(KernelSize, _scalar)}, stride={PythonRepr.IntOrTuple(Stride, _scalar)}, padding={PythonRepr.IntOrTuple(Padding, _scalar)}";
}

/// <summary>3-d adaptive average pooling (PyTorch's <c>nn.AdaptiveAvgPool3d</c>): output cell i averages input [floor(i·in/out), ceil((i + 1)·in/out)).</summary>
/// <remarks><para><b>Shape:</b> input [N, C, D, H, W] or [C, D, H, W]; output [N, C, *output_size].</para></remarks>
public class AdaptiveAvgPool3d : Module
{
    /// <summary>Creates the layer with the same output size along every spatial dim.</summary>
    /// <param name="outputSize">The output size.</param>
    public AdaptiveAvgPool3d(int outputSize) => OutputSize = [outputSize];

    /// <summary>Creates the layer with one output size per spatial dim; null keeps the input's size.</summary>
    /// <param name="outputSize">The output sizes.</param>
    public AdaptiveAvgPool3d(int?[] outputSize) => OutputSize = (int?[])outputSize.Clone();

    /// <summary>The output size: one value for every dim, or one per dim (null keeps the input's size).</summary>
    public int?[] OutputSize { get; }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, D, H, W] or [C, D, H, W].</param>
    public override Tensor Forward(Tensor input) => AdaptiveAvgPool3d(input, OutputSize);

    /// <inheritdoc />
    public override string ExtraRepr() => "output_size=" + AdaptiveRepr.Format(OutputSize);
}

/// <summary>3-d adaptive max pooling (PyTorch's <c>nn.AdaptiveMaxPool3d</c>): the largest value of each bin.</summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C, D, H, W] or [C, D, H, W]; output [N, C, *output_size].</para>
/// <para>PyTorch's <c>return_indices=True</c> is <see cref="ForwardWithIndices"/>.</para>
/// </remarks>
public class AdaptiveMaxPool3d : Module
{
    /// <summary>Creates the layer with the same output size along every spatial dim.</summary>
    /// <param name="outputSize">The output size.</param>
    public AdaptiveMaxPool3d(int outputSize) => OutputSize = [outputSize];

    /// <summary>Creates the layer with one output size per spatial dim; null keeps the input's size.</summary>
    /// <param name="outputSize">The output sizes.</param>
    public AdaptiveMaxPool3d(int?[] outputSize) => OutputSize = (int?[])outputSize.Clone();

    /// <summary>The output size: one value for every dim, or one per dim (null keeps the input's size).</summary>
    public int?[] OutputSize { get; }

    /// <summary>Applies the pooling.</summary>
    /// <param name="input">[N, C, D, H, W] or [C, D, H, W].</param>
    public override Tensor Forward(Tensor input) => AdaptiveMaxPool3d(input, OutputSize);

    /// <summary>Applies the pooling and also returns the int64 position of each maximum within its input plane.</summary>
    /// <param name="input">[N, C, D, H, W] or [C, D, H, W].</param>
    public (Tensor Values, Tensor Indices) ForwardWithIndices(Tensor input) => AdaptiveMaxPool3dWithIndices(input, OutputSize);

    /// <inheritdoc />
    public override string ExtraRepr() => "output_size=" + AdaptiveRepr.Format(OutputSize);
}

/// <summary>Formats an adaptive pooling's output size like Python: <c>3</c>, <c>(2, None)</c>.</summary>
internal static class AdaptiveRepr
{
    /// <summary>The int when one value was given, else the tuple with None for null.</summary>
    public static string Format(int?[] size) => size.Length == 1
        ? size[0]?.ToString(CultureInfo.InvariantCulture) ?? "None"
        : "(" + string.Join(", ", size.Select(v => v?.ToString(CultureInfo.InvariantCulture) ?? "None")) + ")";
}
