using Avalon.Nn;

namespace Avalon.Tests.Errors;

/// <summary>Bad convolution, pooling, interpolation and normalisation inputs and the messages they give.</summary>
public sealed class ConvolutionErrorTests
{
    public static IEnumerable<object[]> Cases() =>
    [
        ["conv channels", () => Functional.Conv2d(Tensor.Zeros(1, 4, 5, 5), Tensor.Zeros(3, 2, 3, 3)), new[] { "conv2d", "to have 2 channels", "got 4" }],
        ["conv rank", () => Functional.Conv2d(Tensor.Zeros(5, 5), Tensor.Zeros(3, 2, 3, 3)), new[] { "conv2d", "3-D (unbatched) or 4-D", "[5, 5]" }],
        ["conv kernel too large", () => Functional.Conv1d(Tensor.Zeros(1, 1, 2), Tensor.Zeros(1, 1, 3)), new[] { "conv1d", "kernel" }],
        ["conv dtype", () => Functional.Conv1d(Tensor.Zeros(1, 1, 4), Tensor.Zeros([1, 1, 3], DType.Float64)), new[] { "conv1d", "same dtype", "float64" }],
        ["conv bias", () => Functional.Conv1d(Tensor.Zeros(1, 1, 4), Tensor.Zeros(2, 1, 3), Tensor.Zeros(3)), new[] { "conv1d", "bias", "[2]" }],
        ["conv same strided", () => Functional.Conv1d(Tensor.Zeros(1, 1, 4), Tensor.Zeros(1, 1, 3), "same", stride: [2]), new[] { "conv1d", "same", "strided" }],
        ["stride list length", () => Functional.Conv2d(Tensor.Zeros(1, 1, 4, 4), Tensor.Zeros(1, 1, 3, 3), stride: [1, 2, 3]), new[] { "conv2d", "stride", "2 ints" }],
        ["transpose output padding", () => Functional.ConvTranspose1d(Tensor.Zeros(1, 1, 4), Tensor.Zeros(1, 1, 3), null, stride: 1, outputPadding: 1), new[] { "conv_transpose1d", "output padding" }],
        ["max pool padding", () => Functional.MaxPool2d(Tensor.Zeros(1, 1, 4, 4), 2, padding: 2), new[] { "max_pool2d", "half of the kernel size" }],
        ["avg pool divisor", () => Functional.AvgPool2d(Tensor.Zeros(1, 1, 4, 4), 2, divisorOverride: 0), new[] { "divisor_override", "non-zero" }],
        ["pool integer input", () => Functional.MaxPool1d(Tensor.Zeros([1, 1, 4], DType.Int64), 2), new[] { "max_pool", "floating-point", "int64" }],
        ["interpolate both", () => Functional.Interpolate(Tensor.Zeros(1, 1, 4), size: [2], scaleFactor: [2.0]), new[] { "interpolate", "either size or scale_factor" }],
        ["interpolate mode rank", () => Functional.Interpolate(Tensor.Zeros(1, 1, 4), size: [2], mode: "bilinear"), new[] { "interpolate", "bilinear", "4-D" }],
        ["batch norm one value", () => Functional.BatchNorm(Tensor.Zeros(1, 3), null, null, training: true), new[] { "batch_norm", "more than 1 value per channel" }],
        ["layer norm shape", () => Functional.LayerNorm(Tensor.Zeros(2, 3), [4]), new[] { "layer_norm", "normalized_shape=[4]", "[2, 3]" }],
        ["group norm groups", () => Functional.GroupNorm(Tensor.Zeros(2, 3, 4), 2), new[] { "group_norm", "divisible by num_groups (2)" }],
        ["pixel shuffle channels", () => Functional.PixelShuffle(Tensor.Zeros(1, 3, 2, 2), 2), new[] { "pixel_shuffle", "divisible", "4" }],
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public void MessageNamesTheOperationAndTheProblem(string name, Func<Tensor> call, string[] fragments)
    {
        var ex = Assert.ThrowsAny<ArgumentException>(() => call());
        foreach (var f in fragments) Assert.True(ex.Message.Contains(f, StringComparison.Ordinal), $"{name}: message '{ex.Message}' lacks '{f}'");
    }
}
