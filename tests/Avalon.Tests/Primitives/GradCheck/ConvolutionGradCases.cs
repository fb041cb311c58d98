using Avalon.Nn;
using Avalon.Primitives;

namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>Grad checks (first and second order) for conv, its two backward primitives and conv_transpose.</summary>
public sealed class ConvolutionGradCases : IGradCheckCases
{
    // Per instance, so every enumeration of the cases draws the same inputs.
    private ulong _seed = 500;

    private Tensor R(params int[] shape) => Tensor.Randn(shape, new Generator(_seed++), DType.Float64);

    private static Attributes Conv(int[] stride, int[] padding, int[] dilation, int groups, string sizeName, int[] size) =>
        Attributes.Of(("stride", stride), ("padding", padding), ("dilation", dilation), ("groups", groups), (sizeName, size));

    public IEnumerable<GradCheckCase> Cases()
    {
        yield return new("conv", "1d with bias", x => Functional.Conv1d(x[0], x[1], x[2]), [R(2, 2, 5), R(3, 2, 3), R(3)]);
        yield return new("conv", "2d stride [2,1] padding 1 dilation [1,2] groups 2",
            x => Functional.Conv2d(x[0], x[1], x[2], stride: [2, 1], padding: [1], dilation: [1, 2], groups: 2),
            [R(1, 4, 5, 5), R(4, 2, 2, 3), R(4)]);
        yield return new("conv", "3d padding 1 no bias", x => Functional.Conv3d(x[0], x[1], padding: [1]), [R(1, 2, 3, 2, 3), R(2, 2, 2, 2, 2)]);
        yield return new("conv", "2d unbatched, padding same (asymmetric)", x => Functional.Conv2d(x[0], x[1], "same", x[2]),
            [R(2, 4, 5), R(2, 2, 2, 3), R(2)]);
        yield return new("conv_backward_input", "2d stride 2 padding 1 groups 2",
            x => PrimitiveRegistry.Get("conv_backward_input").Invoke(Conv([2, 2], [1, 1], [1, 1], 2, "input_size", [5, 6]), x[0], x[1]),
            [R(2, 4, 3, 3), R(4, 1, 3, 3)]);
        yield return new("conv_backward_weight", "1d dilation 2",
            x => PrimitiveRegistry.Get("conv_backward_weight").Invoke(Conv([1], [1], [2], 1, "kernel_size", [2]), x[0], x[1]),
            [R(2, 3, 6), R(2, 2, 6)]);
        yield return new("conv_transpose", "1d stride 2 output_padding 1 with bias",
            x => Functional.ConvTranspose1d(x[0], x[1], x[2], stride: [2], padding: [1], outputPadding: [1]), [R(2, 2, 4), R(2, 3, 3), R(3)]);
        yield return new("conv_transpose", "2d groups 2 dilation 2",
            x => Functional.ConvTranspose2d(x[0], x[1], null, stride: [1, 2], groups: 2, dilation: [2]), [R(1, 4, 3, 2), R(4, 1, 2, 2)]);
    }
}
