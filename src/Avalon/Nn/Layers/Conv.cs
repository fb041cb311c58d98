using System.Globalization;
using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>
/// What Conv1d/2d/3d and ConvTranspose1d/2d/3d share (PyTorch's <c>_ConvNd</c>): the hyperparameters,
/// the weight and bias, PyTorch's initialisation and description.
/// </summary>
/// <remarks>
/// <para><b>Initialisation</b> (as PyTorch): Kaiming-uniform with a = √5 on the weight, which gives
/// U(−1/√fan_in, 1/√fan_in) with fan_in = weight.size(1) · kernel volume; the bias is drawn from the same range.</para>
/// </remarks>
public abstract class ConvNd : Module
{
    private protected ConvNd(string name, int rank, int inChannels, int outChannels, int[] kernelSize, int[] stride,
        int[] padding, string? paddingString, int[] dilation, bool transposed, int[] outputPadding, int groups, bool bias,
        string paddingMode, DType? dtype, Generator? generator)
    {
        if (inChannels < 1 || outChannels < 1)
            throw OpErrors.Argument(name, $"in_channels and out_channels must be positive, got {inChannels} and {outChannels}.");
        if (groups < 1)
            throw OpErrors.Argument(name, $"groups must be a positive integer, got {groups}.");
        if (inChannels % groups != 0)
            throw OpErrors.Argument(name, $"in_channels ({inChannels}) must be divisible by groups ({groups}).");
        if (outChannels % groups != 0)
            throw OpErrors.Argument(name, $"out_channels ({outChannels}) must be divisible by groups ({groups}).");
        if (paddingString is not null and not ("same" or "valid"))
            throw OpErrors.Argument(name, $"invalid padding string '{paddingString}', should be one of 'valid' or 'same'.");
        if (paddingString == "same" && stride.Any(s => s != 1))
            throw OpErrors.Argument(name, $"padding='same' is not supported for strided convolutions.");
        if (paddingMode is not ("zeros" or "reflect" or "replicate" or "circular"))
            throw OpErrors.Argument(name, $"padding_mode must be one of 'zeros', 'reflect', 'replicate' or 'circular', got '{paddingMode}'.");
        if (transposed && paddingMode != "zeros")
            throw OpErrors.Argument(name, $"only 'zeros' padding mode is supported for {name}, got '{paddingMode}'.");
        Rank = rank;
        InChannels = inChannels;
        OutChannels = outChannels;
        KernelSize = Check(name, "kernel_size", kernelSize, rank, 1);
        Stride = Check(name, "stride", stride, rank, 1);
        Padding = Check(name, "padding", padding, rank, 0);
        PaddingString = paddingString;
        Dilation = Check(name, "dilation", dilation, rank, 1);
        Transposed = transposed;
        OutputPadding = Check(name, "output_padding", outputPadding, rank, 0);
        Groups = groups;
        PaddingMode = paddingMode;
        var dt = dtype ?? Tensor.DefaultDType;
        int[] shape = transposed ? [inChannels, outChannels / groups, .. KernelSize] : [outChannels, inChannels / groups, .. KernelSize];
        Weight = Tensor.Zeros(shape, dt).RequiresGrad_();
        Bias = bias ? Tensor.Zeros([outChannels], dt).RequiresGrad_() : null;
        ResetParameters(generator);
    }

    private static int[] Check(string name, string what, int[] values, int rank, int min)
    {
        var expanded = SizeArguments.Expand(name, what, values, rank, min);
        foreach (int v in expanded)
            if (v < min)
                throw OpErrors.Argument(name, $"{what} must be {(min == 0 ? "non-negative" : "positive")}, got {PythonRepr.Tuple(expanded)}.");
        return expanded;
    }

    /// <summary>Number of spatial dims (1, 2 or 3).</summary>
    [Ignore]
    public int Rank { get; }

    /// <summary>Channels of the input.</summary>
    public int InChannels { get; }

    /// <summary>Channels of the output.</summary>
    public int OutChannels { get; }

    /// <summary>Kernel size, one value per spatial dim.</summary>
    public int[] KernelSize { get; }

    /// <summary>Stride, one value per spatial dim.</summary>
    public int[] Stride { get; }

    /// <summary>Zero padding on both sides, one value per spatial dim (unused when <see cref="PaddingString"/> is set).</summary>
    public int[] Padding { get; }

    /// <summary>"same" or "valid" when the padding was given as a string, else null.</summary>
    public string? PaddingString { get; }

    /// <summary>Dilation, one value per spatial dim.</summary>
    public int[] Dilation { get; }

    /// <summary>Whether this is a transposed convolution.</summary>
    public bool Transposed { get; }

    /// <summary>Extra output size of a transposed convolution, one value per spatial dim.</summary>
    public int[] OutputPadding { get; }

    /// <summary>Number of channel groups.</summary>
    public int Groups { get; }

    /// <summary>How the input is padded: "zeros", "reflect", "replicate" or "circular".</summary>
    public string PaddingMode { get; }

    /// <summary>
    /// The weight: [out_channels, in_channels / groups, *kernel_size], or [in_channels, out_channels / groups,
    /// *kernel_size] for a transposed convolution.
    /// </summary>
    public Tensor Weight { get; set; }

    /// <summary>The bias [out_channels], or null when built with <c>bias: false</c>.</summary>
    public Tensor? Bias { get; set; }

    /// <summary>
    /// For padding modes other than zeros: the input padded explicitly in that mode (the convolution then
    /// runs unpadded), with PyTorch's amounts; 'same' puts the odd extra element on the right.
    /// </summary>
    private protected Tensor PadInput(Tensor input)
    {
        var pads = new int[2 * Rank];
        for (int i = 0; i < Rank; i++)
        {
            int d = Rank - 1 - i; // F.pad lists the last dim first
            int left, right;
            if (PaddingString == "same")
            {
                int total = Dilation[d] * (KernelSize[d] - 1);
                left = total / 2;
                right = total - left;
            }
            else if (PaddingString == "valid") left = right = 0;
            else left = right = Padding[d];
            pads[2 * i] = left;
            pads[2 * i + 1] = right;
        }
        var mode = PaddingMode switch
        {
            "reflect" => PadMode.Reflect,
            "replicate" => PadMode.Replicate,
            _ => PadMode.Circular,
        };
        return input.Pad(pads, mode);
    }

    /// <summary>Zero padding of the convolution itself when the input was padded by <see cref="PadInput"/>.</summary>
    private protected int[] NoPadding => new int[Rank];

    /// <summary>Draws fresh parameters the way PyTorch does (see the class remarks).</summary>
    public void ResetParameters(Generator? generator = null)
    {
        // Kaiming-uniform with a = √5 gives U(-1/√fan_in, 1/√fan_in); PyTorch keeps it for compatibility.
        Init.KaimingUniform_(Weight, a: Math.Sqrt(5), generator: generator);
        if (Bias is not null)
        {
            int fanIn = Init.CalculateFanInAndFanOut(Weight).FanIn;
            double bound = fanIn > 0 ? 1 / Math.Sqrt(fanIn) : 0;
            Init.Uniform_(Bias, -bound, bound, generator);
        }
    }

    /// <inheritdoc />
    public override string ExtraRepr()
    {
        var s = string.Create(CultureInfo.InvariantCulture,
            $"{InChannels}, {OutChannels}, kernel_size={PythonRepr.Tuple(KernelSize)}, stride={PythonRepr.Tuple(Stride)}");
        if (PaddingString is not null) s += ", padding=" + PaddingString;
        else if (Padding.Any(p => p != 0)) s += ", padding=" + PythonRepr.Tuple(Padding);
        if (Dilation.Any(d => d != 1)) s += ", dilation=" + PythonRepr.Tuple(Dilation);
        if (OutputPadding.Any(p => p != 0)) s += ", output_padding=" + PythonRepr.Tuple(OutputPadding);
        if (Groups != 1) s += ", groups=" + Groups.ToString(CultureInfo.InvariantCulture);
        if (Bias is null) s += ", bias=False";
        if (PaddingMode != "zeros") s += ", padding_mode=" + PaddingMode;
        return s;
    }
}

/// <summary>
/// A 1-d convolution over an input of planes (PyTorch's <c>nn.Conv1d</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C_in, L] or [C_in, L]; output [N, C_out, *out] with
/// out = floor((in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1).</para>
/// <para><b>Initialisation</b> (as PyTorch): weight and bias ~ U(−1/√fan_in, 1/√fan_in),
/// fan_in = in_channels / groups · kernel volume (Kaiming-uniform with a = √5 on the weight).</para>
/// </remarks>
public class Conv1d : ConvNd
{
    /// <summary>Creates the layer with the same kernel size, stride, padding and dilation along every spatial dim.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel.</param>
    /// <param name="stride">Stride of the convolution (default 1).</param>
    /// <param name="padding">Zeros added to both sides (default 0).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="paddingMode">"zeros" (default), "reflect", "replicate" or "circular".</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public Conv1d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, string paddingMode = "zeros", DType? dtype = null, Generator? generator = null)
        : base("Conv1d", 1, inChannels, outChannels, [kernelSize], [stride], [padding], null, [dilation], false, [0], groups,
            bias, paddingMode, dtype, generator) { }

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel.</param>
    /// <param name="stride">Stride of the convolution (default 1).</param>
    /// <param name="padding">Zeros added to both sides (default 0).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="paddingMode">"zeros" (default), "reflect", "replicate" or "circular".</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public Conv1d(int inChannels, int outChannels, int[] kernelSize, int[]? stride = null, int[]? padding = null,
        int[]? dilation = null, int groups = 1, bool bias = true, string paddingMode = "zeros", DType? dtype = null,
        Generator? generator = null)
        : base("Conv1d", 1, inChannels, outChannels, kernelSize, stride ?? [1], padding ?? [0], null, dilation ?? [1], false, [0],
            groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Creates the layer with padding "same" (output size = input size) or "valid" (no padding).</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel (one value or one per dim).</param>
    /// <param name="padding">"same" or "valid".</param>
    /// <param name="stride">Stride (must be 1 for "same").</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="paddingMode">"zeros" (default), "reflect", "replicate" or "circular".</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public Conv1d(int inChannels, int outChannels, int[] kernelSize, string padding, int[]? stride = null, int[]? dilation = null,
        int groups = 1, bool bias = true, string paddingMode = "zeros", DType? dtype = null, Generator? generator = null)
        : base("Conv1d", 1, inChannels, outChannels, kernelSize, stride ?? [1], [0], padding, dilation ?? [1], false, [0],
            groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Applies the convolution.</summary>
    /// <param name="input">[N, C_in, L] or [C_in, L].</param>
    /// <returns>[N, C_out, *out].</returns>
    public override Tensor Forward(Tensor input) => PaddingMode != "zeros"
        ? Conv1d(PadInput(input), Weight, Bias, Stride, NoPadding, Dilation, Groups)
        : PaddingString is string p
            ? Conv1d(input, Weight, p, Bias, Stride, Dilation, Groups)
            : Conv1d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
}

/// <summary>
/// A 2-d convolution over an input of planes (PyTorch's <c>nn.Conv2d</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C_in, H, W] or [C_in, H, W]; output [N, C_out, *out] with
/// out = floor((in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1).</para>
/// <para><b>Initialisation</b> (as PyTorch): weight and bias ~ U(−1/√fan_in, 1/√fan_in),
/// fan_in = in_channels / groups · kernel volume (Kaiming-uniform with a = √5 on the weight).</para>
/// </remarks>
public class Conv2d : ConvNd
{
    /// <summary>Creates the layer with the same kernel size, stride, padding and dilation along every spatial dim.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel.</param>
    /// <param name="stride">Stride of the convolution (default 1).</param>
    /// <param name="padding">Zeros added to both sides (default 0).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="paddingMode">"zeros" (default), "reflect", "replicate" or "circular".</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public Conv2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, string paddingMode = "zeros", DType? dtype = null, Generator? generator = null)
        : base("Conv2d", 2, inChannels, outChannels, [kernelSize], [stride], [padding], null, [dilation], false, [0], groups,
            bias, paddingMode, dtype, generator) { }

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel.</param>
    /// <param name="stride">Stride of the convolution (default 1).</param>
    /// <param name="padding">Zeros added to both sides (default 0).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="paddingMode">"zeros" (default), "reflect", "replicate" or "circular".</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, int[]? stride = null, int[]? padding = null,
        int[]? dilation = null, int groups = 1, bool bias = true, string paddingMode = "zeros", DType? dtype = null,
        Generator? generator = null)
        : base("Conv2d", 2, inChannels, outChannels, kernelSize, stride ?? [1], padding ?? [0], null, dilation ?? [1], false, [0],
            groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Creates the layer with padding "same" (output size = input size) or "valid" (no padding).</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel (one value or one per dim).</param>
    /// <param name="padding">"same" or "valid".</param>
    /// <param name="stride">Stride (must be 1 for "same").</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="paddingMode">"zeros" (default), "reflect", "replicate" or "circular".</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public Conv2d(int inChannels, int outChannels, int[] kernelSize, string padding, int[]? stride = null, int[]? dilation = null,
        int groups = 1, bool bias = true, string paddingMode = "zeros", DType? dtype = null, Generator? generator = null)
        : base("Conv2d", 2, inChannels, outChannels, kernelSize, stride ?? [1], [0], padding, dilation ?? [1], false, [0],
            groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Applies the convolution.</summary>
    /// <param name="input">[N, C_in, H, W] or [C_in, H, W].</param>
    /// <returns>[N, C_out, *out].</returns>
    public override Tensor Forward(Tensor input) => PaddingMode != "zeros"
        ? Conv2d(PadInput(input), Weight, Bias, Stride, NoPadding, Dilation, Groups)
        : PaddingString is string p
            ? Conv2d(input, Weight, p, Bias, Stride, Dilation, Groups)
            : Conv2d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
}

/// <summary>
/// A 3-d convolution over an input of planes (PyTorch's <c>nn.Conv3d</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C_in, D, H, W] or [C_in, D, H, W]; output [N, C_out, *out] with
/// out = floor((in + 2·padding − dilation·(kernel_size − 1) − 1) / stride + 1).</para>
/// <para><b>Initialisation</b> (as PyTorch): weight and bias ~ U(−1/√fan_in, 1/√fan_in),
/// fan_in = in_channels / groups · kernel volume (Kaiming-uniform with a = √5 on the weight).</para>
/// </remarks>
public class Conv3d : ConvNd
{
    /// <summary>Creates the layer with the same kernel size, stride, padding and dilation along every spatial dim.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel.</param>
    /// <param name="stride">Stride of the convolution (default 1).</param>
    /// <param name="padding">Zeros added to both sides (default 0).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="paddingMode">"zeros" (default), "reflect", "replicate" or "circular".</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public Conv3d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool bias = true, string paddingMode = "zeros", DType? dtype = null, Generator? generator = null)
        : base("Conv3d", 3, inChannels, outChannels, [kernelSize], [stride], [padding], null, [dilation], false, [0], groups,
            bias, paddingMode, dtype, generator) { }

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel.</param>
    /// <param name="stride">Stride of the convolution (default 1).</param>
    /// <param name="padding">Zeros added to both sides (default 0).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="paddingMode">"zeros" (default), "reflect", "replicate" or "circular".</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public Conv3d(int inChannels, int outChannels, int[] kernelSize, int[]? stride = null, int[]? padding = null,
        int[]? dilation = null, int groups = 1, bool bias = true, string paddingMode = "zeros", DType? dtype = null,
        Generator? generator = null)
        : base("Conv3d", 3, inChannels, outChannels, kernelSize, stride ?? [1], padding ?? [0], null, dilation ?? [1], false, [0],
            groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Creates the layer with padding "same" (output size = input size) or "valid" (no padding).</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel (one value or one per dim).</param>
    /// <param name="padding">"same" or "valid".</param>
    /// <param name="stride">Stride (must be 1 for "same").</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="paddingMode">"zeros" (default), "reflect", "replicate" or "circular".</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public Conv3d(int inChannels, int outChannels, int[] kernelSize, string padding, int[]? stride = null, int[]? dilation = null,
        int groups = 1, bool bias = true, string paddingMode = "zeros", DType? dtype = null, Generator? generator = null)
        : base("Conv3d", 3, inChannels, outChannels, kernelSize, stride ?? [1], [0], padding, dilation ?? [1], false, [0],
            groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Applies the convolution.</summary>
    /// <param name="input">[N, C_in, D, H, W] or [C_in, D, H, W].</param>
    /// <returns>[N, C_out, *out].</returns>
    public override Tensor Forward(Tensor input) => PaddingMode != "zeros"
        ? Conv3d(PadInput(input), Weight, Bias, Stride, NoPadding, Dilation, Groups)
        : PaddingString is string p
            ? Conv3d(input, Weight, p, Bias, Stride, Dilation, Groups)
            : Conv3d(input, Weight, Bias, Stride, Padding, Dilation, Groups);
}

/// <summary>
/// A 1-d transposed convolution (the gradient of Conv1d with respect to its input; PyTorch's
/// <c>nn.ConvTranspose1d</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C_in, L] or [C_in, L]; output [N, C_out, *out] with
/// out = (in − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1.</para>
/// <para><b>Initialisation</b> (as PyTorch): weight [C_in, C_out / groups, *kernel] and bias ~ U(−1/√fan_in, 1/√fan_in),
/// fan_in = out_channels / groups · kernel volume.</para>
/// </remarks>
public class ConvTranspose1d : ConvNd
{
    /// <summary>Creates the layer with the same sizes along every spatial dim.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel.</param>
    /// <param name="stride">Stride (default 1).</param>
    /// <param name="padding">dilation·(kernel_size − 1) − padding zeros are added to both sides of the input (default 0).</param>
    /// <param name="outputPadding">Extra size added to one side of the output (default 0).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="paddingMode">"zeros" (the only mode PyTorch allows here).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public ConvTranspose1d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0,
        int groups = 1, bool bias = true, int dilation = 1, string paddingMode = "zeros", DType? dtype = null, Generator? generator = null)
        : base("ConvTranspose1d", 1, inChannels, outChannels, [kernelSize], [stride], [padding], null, [dilation], true,
            [outputPadding], groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel.</param>
    /// <param name="stride">Stride (default 1).</param>
    /// <param name="padding">Padding (default 0).</param>
    /// <param name="outputPadding">Extra size added to one side of the output (default 0).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="paddingMode">"zeros" (the only mode PyTorch allows here).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public ConvTranspose1d(int inChannels, int outChannels, int[] kernelSize, int[]? stride = null, int[]? padding = null,
        int[]? outputPadding = null, int groups = 1, bool bias = true, int[]? dilation = null, string paddingMode = "zeros",
        DType? dtype = null, Generator? generator = null)
        : base("ConvTranspose1d", 1, inChannels, outChannels, kernelSize, stride ?? [1], padding ?? [0], null, dilation ?? [1], true,
            outputPadding ?? [0], groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Applies the transposed convolution.</summary>
    /// <param name="input">[N, C_in, L] or [C_in, L].</param>
    /// <returns>[N, C_out, *out].</returns>
    public override Tensor Forward(Tensor input) =>
        ConvTranspose1d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);
}

/// <summary>
/// A 2-d transposed convolution (the gradient of Conv2d with respect to its input; PyTorch's
/// <c>nn.ConvTranspose2d</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C_in, H, W] or [C_in, H, W]; output [N, C_out, *out] with
/// out = (in − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1.</para>
/// <para><b>Initialisation</b> (as PyTorch): weight [C_in, C_out / groups, *kernel] and bias ~ U(−1/√fan_in, 1/√fan_in),
/// fan_in = out_channels / groups · kernel volume.</para>
/// </remarks>
public class ConvTranspose2d : ConvNd
{
    /// <summary>Creates the layer with the same sizes along every spatial dim.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel.</param>
    /// <param name="stride">Stride (default 1).</param>
    /// <param name="padding">dilation·(kernel_size − 1) − padding zeros are added to both sides of the input (default 0).</param>
    /// <param name="outputPadding">Extra size added to one side of the output (default 0).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="paddingMode">"zeros" (the only mode PyTorch allows here).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public ConvTranspose2d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0,
        int groups = 1, bool bias = true, int dilation = 1, string paddingMode = "zeros", DType? dtype = null, Generator? generator = null)
        : base("ConvTranspose2d", 2, inChannels, outChannels, [kernelSize], [stride], [padding], null, [dilation], true,
            [outputPadding], groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel.</param>
    /// <param name="stride">Stride (default 1).</param>
    /// <param name="padding">Padding (default 0).</param>
    /// <param name="outputPadding">Extra size added to one side of the output (default 0).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="paddingMode">"zeros" (the only mode PyTorch allows here).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public ConvTranspose2d(int inChannels, int outChannels, int[] kernelSize, int[]? stride = null, int[]? padding = null,
        int[]? outputPadding = null, int groups = 1, bool bias = true, int[]? dilation = null, string paddingMode = "zeros",
        DType? dtype = null, Generator? generator = null)
        : base("ConvTranspose2d", 2, inChannels, outChannels, kernelSize, stride ?? [1], padding ?? [0], null, dilation ?? [1], true,
            outputPadding ?? [0], groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Applies the transposed convolution.</summary>
    /// <param name="input">[N, C_in, H, W] or [C_in, H, W].</param>
    /// <returns>[N, C_out, *out].</returns>
    public override Tensor Forward(Tensor input) =>
        ConvTranspose2d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);
}

/// <summary>
/// A 3-d transposed convolution (the gradient of Conv3d with respect to its input; PyTorch's
/// <c>nn.ConvTranspose3d</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input [N, C_in, D, H, W] or [C_in, D, H, W]; output [N, C_out, *out] with
/// out = (in − 1)·stride − 2·padding + dilation·(kernel_size − 1) + output_padding + 1.</para>
/// <para><b>Initialisation</b> (as PyTorch): weight [C_in, C_out / groups, *kernel] and bias ~ U(−1/√fan_in, 1/√fan_in),
/// fan_in = out_channels / groups · kernel volume.</para>
/// </remarks>
public class ConvTranspose3d : ConvNd
{
    /// <summary>Creates the layer with the same sizes along every spatial dim.</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel.</param>
    /// <param name="stride">Stride (default 1).</param>
    /// <param name="padding">dilation·(kernel_size − 1) − padding zeros are added to both sides of the input (default 0).</param>
    /// <param name="outputPadding">Extra size added to one side of the output (default 0).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="paddingMode">"zeros" (the only mode PyTorch allows here).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public ConvTranspose3d(int inChannels, int outChannels, int kernelSize, int stride = 1, int padding = 0, int outputPadding = 0,
        int groups = 1, bool bias = true, int dilation = 1, string paddingMode = "zeros", DType? dtype = null, Generator? generator = null)
        : base("ConvTranspose3d", 3, inChannels, outChannels, [kernelSize], [stride], [padding], null, [dilation], true,
            [outputPadding], groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Creates the layer with per-dim sizes (a single value applies to every dim).</summary>
    /// <param name="inChannels">Channels of the input.</param>
    /// <param name="outChannels">Channels produced.</param>
    /// <param name="kernelSize">Size of the kernel.</param>
    /// <param name="stride">Stride (default 1).</param>
    /// <param name="padding">Padding (default 0).</param>
    /// <param name="outputPadding">Extra size added to one side of the output (default 0).</param>
    /// <param name="groups">Blocked connections from input to output channels (default 1).</param>
    /// <param name="bias">Whether to learn an additive bias (default true).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="paddingMode">"zeros" (the only mode PyTorch allows here).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public ConvTranspose3d(int inChannels, int outChannels, int[] kernelSize, int[]? stride = null, int[]? padding = null,
        int[]? outputPadding = null, int groups = 1, bool bias = true, int[]? dilation = null, string paddingMode = "zeros",
        DType? dtype = null, Generator? generator = null)
        : base("ConvTranspose3d", 3, inChannels, outChannels, kernelSize, stride ?? [1], padding ?? [0], null, dilation ?? [1], true,
            outputPadding ?? [0], groups, bias, paddingMode, dtype, generator) { }

    /// <summary>Applies the transposed convolution.</summary>
    /// <param name="input">[N, C_in, D, H, W] or [C_in, D, H, W].</param>
    /// <returns>[N, C_out, *out].</returns>
    public override Tensor Forward(Tensor input) =>
        ConvTranspose3d(input, Weight, Bias, Stride, Padding, OutputPadding, Groups, Dilation);
}
