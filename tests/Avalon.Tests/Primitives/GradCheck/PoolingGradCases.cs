using Avalon.Nn;
using Avalon.Primitives;

namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>
/// Grad checks for the pooling primitives and their backward primitives. Random normal inputs have
/// distinct values (far apart compared with the finite-difference step), so max pooling is differentiable
/// at them and its second order (through max_pool_backward and max_pool_gather) is meaningful.
/// </summary>
public sealed class PoolingGradCases : IGradCheckCases
{
    // Per instance, so every enumeration of the cases draws the same inputs.
    private ulong _seed = 700;

    private Tensor R(params int[] shape) => Tensor.Randn(shape, new Generator(_seed++), DType.Float64);

    private static readonly Attributes s_pool = Attributes.Of(("kernel_size", new[] { 2, 2 }), ("stride", new[] { 2, 1 }),
        ("padding", new[] { 1, 0 }), ("dilation", new[] { 1, 1 }), ("ceil_mode", false));

    public IEnumerable<GradCheckCase> Cases()
    {
        // Functional max pooling under a tape is the two-output call; the checked function is its values.
        yield return new("max_pool_with_indices", "2d k3 s2 p1 ceil", x => Functional.MaxPool2d(x[0], 3, 2, 1, ceilMode: true), [R(2, 2, 5, 6)]);
        yield return new("max_pool_with_indices", "1d dilation 2 (squared, so second order is not zero)",
            x => Functional.MaxPool1d(x[0] * x[0], [2], [1], dilation: [2]), [R(1, 2, 7)]);
        yield return new("max_pool_with_indices", "3d k2", x => Functional.MaxPool3d(x[0], 2), [R(1, 1, 4, 3, 4)]);
        yield return new("max_pool_with_indices", "2d k2 on the vectorised path (squared)",
            x => Functional.MaxPool2d(x[0] * x[0], 2), [R(2, 2, 4, 19)]);
        yield return new("max_pool_with_indices", "2d k[3, 2] on the vectorised path", x => Functional.MaxPool2d(x[0], [3, 2]), [R(1, 2, 7, 16)]);
        yield return new("max_pool_with_indices", "2d k3 on the vectorised path", x => Functional.MaxPool2d(x[0], 3), [R(1, 2, 6, 26)]);
        yield return GradCheckCase.OfOutputs("max_pool_with_indices", "both outputs of the call (indices left out)",
            x => PrimitiveRegistry.Get("max_pool_with_indices").InvokeMany(s_pool, x[0] * x[0]), [R(2, 3, 5, 4)]);
        yield return new("max_pool", "values-only primitive, squared (its rule searches the positions again)",
            x => PrimitiveRegistry.Get("max_pool").Invoke(s_pool, x[0] * x[0]), [R(2, 3, 5, 4)]);
        var poolInput = R(2, 3, 5, 4);
        var indices = PrimitiveRegistry.Get("max_pool_with_indices").InvokeMany(s_pool, poolInput)[1];
        yield return new("max_pool_backward", "scatter at 2d max-pool indices",
            x => PrimitiveRegistry.Get("max_pool_backward").Invoke(Attributes.Of(("input_size", new[] { 5, 4 })), x[0], x[1]),
            [R(indices.Shape.ToArray()), indices]);
        yield return new("max_pool_gather", "gather at 2d max-pool indices",
            x => PrimitiveRegistry.Get("max_pool_gather").Invoke(Attributes.Empty, x[0], x[1]), [R(2, 3, 5, 4), indices]);
        yield return new("adaptive_max_pool_with_indices", "2d uneven bins", x => Functional.AdaptiveMaxPool2d(x[0], [2, 3]), [R(2, 2, 5, 7)]);
        yield return new("adaptive_max_pool_with_indices", "1d values of both Functional variants",
            x => Functional.AdaptiveMaxPool1dWithIndices(x[0], 3).Values * Functional.AdaptiveMaxPool1d(x[0], 3), [R(2, 2, 7)]);
        yield return GradCheckCase.OfOutputs("adaptive_max_pool_with_indices", "both outputs of the call (indices left out), 3d",
            x => PrimitiveRegistry.Get("adaptive_max_pool_with_indices").InvokeMany(Attributes.Of(("output_size", new[] { 2, 2, 3 })), x[0] * x[0]),
            [R(1, 2, 3, 5, 4)]);
        yield return new("avg_pool", "2d k3 s2 p1 ceil exclude pad",
            x => Functional.AvgPool2d(x[0], 3, 2, 1, ceilMode: true, countIncludePad: false), [R(1, 2, 6, 6)]);
        yield return new("avg_pool", "2d divisor override 3", x => Functional.AvgPool2d(x[0], 2, 1, divisorOverride: 3), [R(2, 1, 3, 4)]);
        yield return new("avg_pool", "1d include pad", x => Functional.AvgPool1d(x[0], 3, 2, 1), [R(2, 2, 7)]);
        yield return new("avg_pool_backward", "2d k2 s1",
            x => PrimitiveRegistry.Get("avg_pool_backward").Invoke(
                Attributes.Of(("kernel_size", new[] { 2, 2 }), ("stride", new[] { 1, 1 }), ("padding", new[] { 1, 0 }),
                    ("ceil_mode", false), ("count_include_pad", false), ("input_size", new[] { 3, 4 })), x[0]),
            [R(2, 2, 4, 3)]);
        yield return new("adaptive_avg_pool", "2d uneven and enlarging", x => Functional.AdaptiveAvgPool2d(x[0], [3, 5]), [R(1, 2, 5, 3)]);
        yield return new("adaptive_avg_pool_backward", "1d 7 -> 3",
            x => PrimitiveRegistry.Get("adaptive_avg_pool_backward").Invoke(Attributes.Of(("input_size", new[] { 7 })), x[0]), [R(2, 2, 3)]);
    }
}
