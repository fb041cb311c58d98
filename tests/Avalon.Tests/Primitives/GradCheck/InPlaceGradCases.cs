namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>
/// Grad checks for the in-place primitives: each writes into a non-leaf (x * 1 or a clone), and the
/// gradient must reach both the target's old value and the other operands.
/// </summary>
public sealed class InPlaceGradCases : IGradCheckCases
{
    private static Tensor R(params int[] shape) => Tensor.Randn(shape, new Generator((ulong)shape.Sum() + 31), DType.Float64);

    private static Tensor Positive(params int[] shape) => R(shape).Mul(R(shape)) + 0.5;

    public IEnumerable<GradCheckCase> Cases()
    {
        yield return new("add_", "broadcast [2,3] += [3]", x => x[0].Clone().Add_(x[1]) * x[0], [R(2, 3), R(3)]);
        yield return new("sub_", "[2,3] -= [2,3]", x => x[0].Clone().Sub_(x[1]) * x[1], [R(2, 3), R(2, 3)]);
        yield return new("mul_", "old value needed: [2,3] *= [3]", x => x[0].Clone().Mul_(x[1]), [R(2, 3), R(3)]);
        yield return new("div_", "[3] /= [3]", x => x[0].Clone().Div_(x[1]), [R(3), Positive(3)]);
        yield return new("clamp_", "[6] into [-0.5, 0.5]", x => x[0].Clone().Clamp_(-0.5, 0.5) * x[0], [R(6)]);
        yield return new("copy_", "broadcast [3] into [2,3]", x => x[0].Clone().Copy_(x[1]) * x[0], [R(2, 3), R(3)]);
        yield return new("masked_fill_", "tensor value", x => x[0].Clone().MaskedFill_(x[0].Gt(0), x[1]), [R(2, 3), R()]);
        yield return new("index_add_", "accumulate rows", x => x[0].Clone().IndexPut_(Tensor.From(new long[] { 2, 0, 2 }), x[1], accumulate: true),
            [R(3, 2), R(3, 2)]);
        yield return new("copy_", "indexer setter x[1, 1..3] = v", x =>
        {
            var y = x[0] * 1;
            y[1, 1..3] = x[1];
            return y * x[0];
        }, [R(2, 4), R(2)]);
    }
}
