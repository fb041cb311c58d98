using Avalon.Primitives;

namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>Grad checks for the core arithmetic, view, reduction and matmul primitives.</summary>
public sealed class CoreGradCases : IGradCheckCases
{
    private static Tensor R(params int[] shape) => Tensor.Randn(shape, new Generator((ulong)shape.Sum() + 7), DType.Float64);

    private static Tensor Positive(params int[] shape) => R(shape).Mul(R(shape)) + 0.5;

    public IEnumerable<GradCheckCase> Cases()
    {
        yield return new("add", "broadcast [2,3]+[3]", x => x[0] + x[1], [R(2, 3), R(3)]);
        yield return new("sub", "broadcast [2,1]-[1,3]", x => x[0] - x[1], [R(2, 1), R(1, 3)]);
        yield return new("mul", "broadcast [2,3]*[2,1]", x => x[0] * x[1], [R(2, 3), R(2, 1)]);
        yield return new("div", "broadcast [3]/[2,3]", x => x[0] / x[1], [R(3), Positive(2, 3)]);
        yield return new("neg", "[4]", x => -x[0], [R(4)]);
        yield return new("exp", "[2,2]", x => x[0].Exp(), [R(2, 2)]);
        yield return new("log", "[5]", x => x[0].Log(), [Positive(5)]);
        // Small inputs: the float32 rounding error of x ± step, divided by the step, must stay below the tolerance.
        yield return new("convert", "float64 -> float32 -> float64", x => (x[0].To(DType.Float32) * 2).To(DType.Float64), [R(3) * 0.05])
            { Tolerance = 1e-3, SecondOrder = false };
        // A copy onto the input's own device (the CPU here; the outside-backend tests run it on theirs and across).
        yield return new("to_device", "onto the input's device", x =>
            PrimitiveRegistry.Get("to_device").Invoke(Attributes.Of(("device", x[0].Device.ToString())), x[0]) * x[0], [R(2, 3)]);
        yield return new("reshape", "[2,3]->[3,2]", x => x[0].Reshape(3, 2) * x[1], [R(2, 3), R(3, 2)]);
        yield return new("permute", "[2,3,4]->[4,2,3]", x => x[0].Permute(2, 0, 1) * x[0].Permute(2, 0, 1), [R(2, 3, 4)]);
        yield return new("slice", "step 2", x => x[0].Slice(1, 1, 5, 2) * x[0].Slice(1, 0, 2), [R(2, 6)]);
        yield return new("slice_backward", "via second order of slice", x => x[0].Slice(0, 1, 3) * x[0].Slice(0, 1, 3), [R(4)]);
        yield return new("expand", "[3,1]->[2,3,4]", x => x[0].Expand(2, 3, 4) * x[1], [R(3, 1), R(2, 3, 4)]);
        yield return new("contiguous", "transposed copy", x => x[0].T.Contiguous() * x[0].T, [R(3, 2)]);
        yield return new("sum", "dims [0,2] keepdim", x => x[0].Sum([0, 2], keepDim: true) * x[0].Sum([0, 2], keepDim: true), [R(2, 3, 4)]);
        yield return new("sum", "all", x => x[0].Sum() * x[0], [R(3)]);
        yield return new("matmul", "[2,3]@[3,4]", x => x[0].MatMul(x[1]), [R(2, 3), R(3, 4)]);
        yield return new("matmul", "batched broadcast [2,1,2,3]@[3,3,2]", x => x[0].MatMul(x[1]), [R(2, 1, 2, 3), R(3, 3, 2)]);
        yield return new("matmul", "vector @ matrix", x => x[0].MatMul(x[1]), [R(3), R(3, 2)]);
    }
}
