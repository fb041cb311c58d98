using Avalon.Primitives.Convolution;

namespace Avalon.Nn;

/// <summary>
/// The functional API (PyTorch's <c>torch.nn.functional</c>): stateless operations on tensors, PyTorch's
/// names in PascalCase with its argument order and defaults. Write <c>using static Avalon.Nn.Functional;</c>.
/// </summary>
public static partial class Functional
{
    /// <summary>The shared body of Conv1d/2d/3d: validates and expands the arguments and calls the conv primitive.</summary>
    private static Tensor ConvNd(int rank, Tensor input, Tensor weight, Tensor? bias, int[]? stride, int[]? padding,
        int[]? dilation, int groups)
    {
        string op = "conv" + rank + "d";
        var s = SizeArguments.Expand(op, "stride", stride, rank, 1);
        var p = SizeArguments.Expand(op, "padding", padding, rank, 0);
        var d = SizeArguments.Expand(op, "dilation", dilation, rank, 1);
        var attrs = ConvAttributes.Of(s, p, d, groups);
        return SizeArguments.Batched(op, input, rank, x =>
            bias is null ? ConvolutionPrimitives.Conv.Invoke(attrs, x, weight) : ConvolutionPrimitives.Conv.Invoke(attrs, x, weight, bias));
    }

    /// <summary>
    /// Conv1d/2d/3d with padding "valid" (none) or "same" (output size = input size, stride 1 only; when the
    /// total padding d·(k − 1) is odd the extra zero goes on the right, as in PyTorch).
    /// </summary>
    private static Tensor ConvNd(int rank, Tensor input, Tensor weight, string padding, Tensor? bias, int[]? stride,
        int[]? dilation, int groups)
    {
        string op = "conv" + rank + "d";
        if (padding == "valid") return ConvNd(rank, input, weight, bias, stride, null, dilation, groups);
        if (padding != "same")
            throw OpErrors.Argument(op, $"invalid padding string '{padding}', should be one of 'valid' or 'same'.");
        var s = SizeArguments.Expand(op, "stride", stride, rank, 1);
        if (s.Any(v => v != 1))
            throw OpErrors.Argument(op, $"padding='same' is not supported for strided convolutions (stride [{string.Join(", ", s)}]).");
        var d = SizeArguments.Expand(op, "dilation", dilation, rank, 1);
        if (weight.Rank != rank + 2)
            throw OpErrors.Argument(op, $"expected weight of rank {rank + 2}, got shape {weight.Shape}.");
        // Symmetric padding with the larger (right) half, then drop the surplus leading outputs: a window
        // that starts `right` before output j starts `left` before output j − (right − left).
        var pad = new int[rank];
        var surplus = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int total = d[i] * (weight.Shape[2 + i] - 1);
            int left = total / 2;
            pad[i] = total - left;
            surplus[i] = pad[i] - left;
        }
        var y = ConvNd(rank, input, weight, bias, s, pad, d, groups);
        int offset = y.Rank - rank;
        for (int i = 0; i < rank; i++)
            if (surplus[i] != 0) y = y.Narrow(offset + i, surplus[i], y.Shape[offset + i] - surplus[i]);
        return y;
    }

    /// <summary>The shared body of ConvTranspose1d/2d/3d.</summary>
    private static Tensor ConvTransposeNd(int rank, Tensor input, Tensor weight, Tensor? bias, int[]? stride, int[]? padding,
        int[]? outputPadding, int groups, int[]? dilation)
    {
        string op = "conv_transpose" + rank + "d";
        var s = SizeArguments.Expand(op, "stride", stride, rank, 1);
        var p = SizeArguments.Expand(op, "padding", padding, rank, 0);
        var o = SizeArguments.Expand(op, "output_padding", outputPadding, rank, 0);
        var d = SizeArguments.Expand(op, "dilation", dilation, rank, 1);
        var attrs = Primitives.Attributes.Of(("stride", s), ("padding", p), ("dilation", d), ("groups", groups), ("output_padding", o));
        return SizeArguments.Batched(op, input, rank, x =>
            bias is null ? ConvolutionPrimitives.ConvTranspose.Invoke(attrs, x, weight)
                : ConvolutionPrimitives.ConvTranspose.Invoke(attrs, x, weight, bias));
    }

    /// <summary>
    /// Applies a 1-d convolution (cross-correlation) over an input of planes (PyTorch's <c>conv1d</c>).
    /// </summary>
    /// <param name="input">[N, C_in, L] or unbatched [C_in, L].</param>
    /// <param name="weight">[C_out, C_in / groups, k].</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride of the window: one value for every dim or one per dim (default 1).</param>
    /// <param name="padding">Zeros added on both sides of each spatial dim: one value or one per dim (default 0).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="groups">Splits the channels into this many independent groups (default 1).</param>
    /// <returns>[N, C_out, *out] with out = floor((in + 2·padding − dilation·(k − 1) − 1) / stride + 1).</returns>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null,
        int[]? dilation = null, int groups = 1) => ConvNd(1, input, weight, bias, stride, padding, dilation, groups);

    /// <summary>Conv1d with the same stride, padding and dilation along every spatial dim.</summary>
    /// <param name="input">[N, C_in, L] or unbatched [C_in, L].</param>
    /// <param name="weight">[C_out, C_in / groups, *kernel].</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride of the window.</param>
    /// <param name="padding">Zeros added on both sides.</param>
    /// <param name="dilation">Spacing between kernel elements.</param>
    /// <param name="groups">Number of channel groups.</param>
    public static Tensor Conv1d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding = 0, int dilation = 1,
        int groups = 1) => ConvNd(1, input, weight, bias, [stride], [padding], [dilation], groups);

    /// <summary>Conv1d with padding given as a string: "valid" (no padding) or "same" (output size = input size; stride 1).</summary>
    /// <param name="input">[N, C_in, L] or unbatched [C_in, L].</param>
    /// <param name="weight">[C_out, C_in / groups, *kernel].</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride (must be 1 for "same").</param>
    /// <param name="dilation">Spacing between kernel elements.</param>
    /// <param name="groups">Number of channel groups.</param>
    public static Tensor Conv1d(Tensor input, Tensor weight, string padding, Tensor? bias = null, int[]? stride = null,
        int[]? dilation = null, int groups = 1) => ConvNd(1, input, weight, padding, bias, stride, dilation, groups);

    /// <summary>
    /// Applies a 1-d transposed convolution (the gradient of Conv1d with respect to its input; PyTorch's
    /// <c>conv_transpose1d</c>).
    /// </summary>
    /// <param name="input">[N, C_in, L] or unbatched [C_in, L].</param>
    /// <param name="weight">[C_in, C_out / groups, *kernel].</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride (default 1).</param>
    /// <param name="padding">dilation·(k − 1) − padding zeros are added on both sides of the input (default 0).</param>
    /// <param name="outputPadding">Extra size added to one side of the output (default 0); smaller than stride or dilation.</param>
    /// <param name="groups">Number of channel groups (default 1).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <returns>[N, C_out, *out] with out = (in − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1.</returns>
    public static Tensor ConvTranspose1d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null,
        int[]? padding = null, int[]? outputPadding = null, int groups = 1, int[]? dilation = null) =>
        ConvTransposeNd(1, input, weight, bias, stride, padding, outputPadding, groups, dilation);

    /// <summary>ConvTranspose1d with the same stride, padding, output padding and dilation along every spatial dim.</summary>
    /// <param name="input">[N, C_in, L] or unbatched [C_in, L].</param>
    /// <param name="weight">[C_in, C_out / groups, *kernel].</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padding">Padding.</param>
    /// <param name="outputPadding">Extra size added to one side of the output.</param>
    /// <param name="groups">Number of channel groups.</param>
    /// <param name="dilation">Spacing between kernel elements.</param>
    public static Tensor ConvTranspose1d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding = 0,
        int outputPadding = 0, int groups = 1, int dilation = 1) =>
        ConvTransposeNd(1, input, weight, bias, [stride], [padding], [outputPadding], groups, [dilation]);

    /// <summary>
    /// Applies a 2-d convolution (cross-correlation) over an input of planes (PyTorch's <c>conv2d</c>).
    /// </summary>
    /// <param name="input">[N, C_in, H, W] or unbatched [C_in, H, W].</param>
    /// <param name="weight">[C_out, C_in / groups, kH, kW].</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride of the window: one value for every dim or one per dim (default 1).</param>
    /// <param name="padding">Zeros added on both sides of each spatial dim: one value or one per dim (default 0).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="groups">Splits the channels into this many independent groups (default 1).</param>
    /// <returns>[N, C_out, *out] with out = floor((in + 2·padding − dilation·(k − 1) − 1) / stride + 1).</returns>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null,
        int[]? dilation = null, int groups = 1) => ConvNd(2, input, weight, bias, stride, padding, dilation, groups);

    /// <summary>Conv2d with the same stride, padding and dilation along every spatial dim.</summary>
    /// <param name="input">[N, C_in, H, W] or unbatched [C_in, H, W].</param>
    /// <param name="weight">[C_out, C_in / groups, *kernel].</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride of the window.</param>
    /// <param name="padding">Zeros added on both sides.</param>
    /// <param name="dilation">Spacing between kernel elements.</param>
    /// <param name="groups">Number of channel groups.</param>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding = 0, int dilation = 1,
        int groups = 1) => ConvNd(2, input, weight, bias, [stride], [padding], [dilation], groups);

    /// <summary>Conv2d with padding given as a string: "valid" (no padding) or "same" (output size = input size; stride 1).</summary>
    /// <param name="input">[N, C_in, H, W] or unbatched [C_in, H, W].</param>
    /// <param name="weight">[C_out, C_in / groups, *kernel].</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride (must be 1 for "same").</param>
    /// <param name="dilation">Spacing between kernel elements.</param>
    /// <param name="groups">Number of channel groups.</param>
    public static Tensor Conv2d(Tensor input, Tensor weight, string padding, Tensor? bias = null, int[]? stride = null,
        int[]? dilation = null, int groups = 1) => ConvNd(2, input, weight, padding, bias, stride, dilation, groups);

    /// <summary>
    /// Applies a 2-d transposed convolution (the gradient of Conv2d with respect to its input; PyTorch's
    /// <c>conv_transpose2d</c>).
    /// </summary>
    /// <param name="input">[N, C_in, H, W] or unbatched [C_in, H, W].</param>
    /// <param name="weight">[C_in, C_out / groups, *kernel].</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride (default 1).</param>
    /// <param name="padding">dilation·(k − 1) − padding zeros are added on both sides of the input (default 0).</param>
    /// <param name="outputPadding">Extra size added to one side of the output (default 0); smaller than stride or dilation.</param>
    /// <param name="groups">Number of channel groups (default 1).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <returns>[N, C_out, *out] with out = (in − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1.</returns>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null,
        int[]? padding = null, int[]? outputPadding = null, int groups = 1, int[]? dilation = null) =>
        ConvTransposeNd(2, input, weight, bias, stride, padding, outputPadding, groups, dilation);

    /// <summary>ConvTranspose2d with the same stride, padding, output padding and dilation along every spatial dim.</summary>
    /// <param name="input">[N, C_in, H, W] or unbatched [C_in, H, W].</param>
    /// <param name="weight">[C_in, C_out / groups, *kernel].</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padding">Padding.</param>
    /// <param name="outputPadding">Extra size added to one side of the output.</param>
    /// <param name="groups">Number of channel groups.</param>
    /// <param name="dilation">Spacing between kernel elements.</param>
    public static Tensor ConvTranspose2d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding = 0,
        int outputPadding = 0, int groups = 1, int dilation = 1) =>
        ConvTransposeNd(2, input, weight, bias, [stride], [padding], [outputPadding], groups, [dilation]);

    /// <summary>
    /// Applies a 3-d convolution (cross-correlation) over an input of planes (PyTorch's <c>conv3d</c>).
    /// </summary>
    /// <param name="input">[N, C_in, D, H, W] or unbatched [C_in, D, H, W].</param>
    /// <param name="weight">[C_out, C_in / groups, kD, kH, kW].</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride of the window: one value for every dim or one per dim (default 1).</param>
    /// <param name="padding">Zeros added on both sides of each spatial dim: one value or one per dim (default 0).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <param name="groups">Splits the channels into this many independent groups (default 1).</param>
    /// <returns>[N, C_out, *out] with out = floor((in + 2·padding − dilation·(k − 1) − 1) / stride + 1).</returns>
    public static Tensor Conv3d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null, int[]? padding = null,
        int[]? dilation = null, int groups = 1) => ConvNd(3, input, weight, bias, stride, padding, dilation, groups);

    /// <summary>Conv3d with the same stride, padding and dilation along every spatial dim.</summary>
    /// <param name="input">[N, C_in, D, H, W] or unbatched [C_in, D, H, W].</param>
    /// <param name="weight">[C_out, C_in / groups, *kernel].</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride of the window.</param>
    /// <param name="padding">Zeros added on both sides.</param>
    /// <param name="dilation">Spacing between kernel elements.</param>
    /// <param name="groups">Number of channel groups.</param>
    public static Tensor Conv3d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding = 0, int dilation = 1,
        int groups = 1) => ConvNd(3, input, weight, bias, [stride], [padding], [dilation], groups);

    /// <summary>Conv3d with padding given as a string: "valid" (no padding) or "same" (output size = input size; stride 1).</summary>
    /// <param name="input">[N, C_in, D, H, W] or unbatched [C_in, D, H, W].</param>
    /// <param name="weight">[C_out, C_in / groups, *kernel].</param>
    /// <param name="padding">"valid" or "same".</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride (must be 1 for "same").</param>
    /// <param name="dilation">Spacing between kernel elements.</param>
    /// <param name="groups">Number of channel groups.</param>
    public static Tensor Conv3d(Tensor input, Tensor weight, string padding, Tensor? bias = null, int[]? stride = null,
        int[]? dilation = null, int groups = 1) => ConvNd(3, input, weight, padding, bias, stride, dilation, groups);

    /// <summary>
    /// Applies a 3-d transposed convolution (the gradient of Conv3d with respect to its input; PyTorch's
    /// <c>conv_transpose3d</c>).
    /// </summary>
    /// <param name="input">[N, C_in, D, H, W] or unbatched [C_in, D, H, W].</param>
    /// <param name="weight">[C_in, C_out / groups, *kernel].</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride (default 1).</param>
    /// <param name="padding">dilation·(k − 1) − padding zeros are added on both sides of the input (default 0).</param>
    /// <param name="outputPadding">Extra size added to one side of the output (default 0); smaller than stride or dilation.</param>
    /// <param name="groups">Number of channel groups (default 1).</param>
    /// <param name="dilation">Spacing between kernel elements (default 1).</param>
    /// <returns>[N, C_out, *out] with out = (in − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1.</returns>
    public static Tensor ConvTranspose3d(Tensor input, Tensor weight, Tensor? bias = null, int[]? stride = null,
        int[]? padding = null, int[]? outputPadding = null, int groups = 1, int[]? dilation = null) =>
        ConvTransposeNd(3, input, weight, bias, stride, padding, outputPadding, groups, dilation);

    /// <summary>ConvTranspose3d with the same stride, padding, output padding and dilation along every spatial dim.</summary>
    /// <param name="input">[N, C_in, D, H, W] or unbatched [C_in, D, H, W].</param>
    /// <param name="weight">[C_in, C_out / groups, *kernel].</param>
    /// <param name="bias">[C_out], or null.</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padding">Padding.</param>
    /// <param name="outputPadding">Extra size added to one side of the output.</param>
    /// <param name="groups">Number of channel groups.</param>
    /// <param name="dilation">Spacing between kernel elements.</param>
    public static Tensor ConvTranspose3d(Tensor input, Tensor weight, Tensor? bias, int stride, int padding = 0,
        int outputPadding = 0, int groups = 1, int dilation = 1) =>
        ConvTransposeNd(3, input, weight, bias, [stride], [padding], [outputPadding], groups, [dilation]);
}
