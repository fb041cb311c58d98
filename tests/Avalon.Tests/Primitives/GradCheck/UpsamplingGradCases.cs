using Avalon.Nn;
using Avalon.Primitives;

namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>Grad checks for nearest and linear interpolation and their backward primitives.</summary>
public sealed class UpsamplingGradCases : IGradCheckCases
{
    // Per instance, so every enumeration of the cases draws the same inputs.
    private ulong _seed = 900;

    private Tensor R(params int[] shape) => Tensor.Randn(shape, new Generator(_seed++), DType.Float64);

    public IEnumerable<GradCheckCase> Cases()
    {
        yield return new("upsample_nearest", "2d size [5, 7]", x => Functional.Interpolate(x[0], size: [5, 7]), [R(1, 2, 2, 3)]);
        yield return new("upsample_nearest", "1d scale 1.5", x => Functional.Interpolate(x[0], scaleFactor: [1.5]), [R(2, 1, 4)]);
        yield return new("upsample_nearest_backward", "2d",
            x => PrimitiveRegistry.Get("upsample_nearest_backward").Invoke(
                Attributes.Of(("output_size", new[] { 5, 4 }), ("scales", new[] { 0.0, 0.0 }), ("input_size", new[] { 3, 3 })), x[0]),
            [R(1, 2, 5, 4)]);
        yield return new("upsample_linear", "bilinear size, align_corners false",
            x => Functional.Interpolate(x[0], size: [5, 7], mode: "bilinear"), [R(2, 1, 3, 4)]);
        yield return new("upsample_linear", "bilinear downsample, align_corners true",
            x => Functional.Interpolate(x[0], size: [2, 3], mode: "bilinear", alignCorners: true), [R(1, 1, 5, 6)]);
        yield return new("upsample_linear", "trilinear scale 2",
            x => Functional.Interpolate(x[0], scaleFactor: [2.0], mode: "trilinear"), [R(1, 1, 2, 2, 3)]);
        yield return new("upsample_linear_backward", "linear 1d",
            x => PrimitiveRegistry.Get("upsample_linear_backward").Invoke(
                Attributes.Of(("output_size", new[] { 7 }), ("scales", new[] { 0.0 }), ("align_corners", false), ("input_size", new[] { 4 })), x[0]),
            [R(2, 2, 7)]);
    }
}
