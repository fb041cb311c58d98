namespace Avalon.Tests.Primitives.GradCheck;

/// <summary>
/// Grad checks (first and second order) for the elementwise math and selection primitives. Inputs of
/// piecewise functions (abs, relu, clamp, maximum, minimum) stay away from their kinks and ties, where
/// finite differences are not meaningful.
/// </summary>
public sealed class ElementwiseGradCases : IGradCheckCases
{
    private static Tensor R(int seed, params int[] shape) => Tensor.Randn(shape, new Generator((ulong)seed), DType.Float64);

    private static Tensor Positive(int seed, params int[] shape) => R(seed, shape).Square() + 0.5;

    // Normal samples pushed at least 0.1 away from zero.
    private static Tensor AwayFromZero(int seed, params int[] shape)
    {
        var x = R(seed, shape);
        return x + x.Sign() * 0.1;
    }

    public IEnumerable<GradCheckCase> Cases()
    {
        yield return new("pow", "broadcast [2,3]^[3]", x => x[0].Pow(x[1]), [Positive(1, 2, 3), R(2, 3)]);
        yield return new("pow", "broadcast [2,1]^[1,3], base only", x => x[0].Pow(x[1]), [Positive(3, 2, 1), R(4, 1, 3)]) { Wrt = [0] };
        yield return new("pow_scalar", "exponent 2.5", x => x[0].Pow(2.5), [Positive(5, 2, 3)]);
        yield return new("pow_scalar", "exponent 3 (negative bases)", x => x[0].Pow(3), [R(6, 5)]);
        yield return new("pow_scalar", "exponent -1.5", x => x[0].Pow(-1.5), [Positive(7, 4)]);
        yield return new("pow_scalar", "exponent 2", x => x[0].Pow(2), [R(8, 3, 2)]);
        yield return new("pow_scalar", "exponent 0.5", x => x[0].Pow(0.5), [Positive(9, 4)]);
        yield return new("log1p", "[2,3]", x => x[0].Log1p(), [Positive(10, 2, 3) - 0.9]);
        yield return new("expm1", "[5]", x => x[0].Expm1(), [R(11, 5)]);
        yield return new("sqrt", "[2,3]", x => x[0].Sqrt(), [Positive(12, 2, 3)]);
        yield return new("rsqrt", "[4]", x => x[0].Rsqrt(), [Positive(13, 4)]);
        yield return new("abs", "[6]", x => x[0].Abs(), [AwayFromZero(14, 6)]);
        yield return new("sign", "[5] (zero gradient)", x => x[0].Sign() * x[0], [AwayFromZero(15, 5)]);
        yield return new("sin", "[2,3]", x => x[0].Sin(), [R(16, 2, 3)]);
        yield return new("cos", "[2,3]", x => x[0].Cos(), [R(17, 2, 3)]);
        yield return new("tanh", "[5]", x => x[0].Tanh(), [R(18, 5)]);
        yield return new("sigmoid", "[5]", x => x[0].Sigmoid(), [R(19, 5) * 3]);
        yield return new("erf", "[7]", x => x[0].Erf(), [R(20, 7)]);
        yield return new("square", "[2,2]", x => x[0].Square(), [R(21, 2, 2)]);
        yield return new("reciprocal", "[5]", x => x[0].Reciprocal(), [AwayFromZero(22, 5)]);
        yield return new("relu", "[8]", x => x[0].Relu() * x[0], [AwayFromZero(23, 8)]);
        yield return new("maximum", "broadcast [2,3] vs [3]", x => x[0].Maximum(x[1]) * x[0], [R(24, 2, 3), R(25, 3)]);
        yield return new("minimum", "broadcast [2,1] vs [1,3]", x => x[0].Minimum(x[1]) * x[1], [R(26, 2, 1), R(27, 1, 3)]);
        yield return new("clamp", "both bounds", x => x[0].Clamp(-0.5, 0.7) * x[0], [R(28, 9)]);
        yield return new("clamp", "min only", x => x[0].ClampMin(0.2).Square(), [R(29, 6)]);
        yield return new("where", "broadcast cond [2,1], a [2,3], b [3]",
            x => Tensor.Where(Tensor.From(new[] { true, false }, 2, 1), x[0], x[1]) * x[0], [R(30, 2, 3), R(31, 3)]);
        yield return new("where", "clamp with tensor bounds (composite)", x => x[0].Clamp(x[1], x[2]) * x[0],
            [R(32, 2, 4), R(33, 4) - 0.3, R(34, 2, 1) + 0.3]);
        yield return new("where", "masked_fill (composite)",
            x => x[0].MaskedFill(Tensor.From(new[] { true, false, false }), x[1]) * x[0], [R(35, 2, 3), R(36)]);
    }
}
