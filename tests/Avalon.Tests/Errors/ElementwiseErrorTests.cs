namespace Avalon.Tests.Errors;

/// <summary>Bad inputs to elementwise operations → exceptions that name the operation, the shapes/dtypes and what was expected.</summary>
public class ElementwiseErrorTests
{
    private static readonly Tensor F23 = Tensor.Zeros(2, 3);
    private static readonly Tensor F4 = Tensor.Zeros(4);
    private static readonly Tensor D3 = Tensor.Zeros([3], DType.Float64);
    private static readonly Tensor I3 = Tensor.Zeros([3], DType.Int64);
    private static readonly Tensor B3 = Tensor.Zeros([3], DType.Bool);
    private static readonly Tensor B4 = Tensor.Zeros([4], DType.Bool);

    public static TheoryData<string, Func<Tensor>, string[]> Cases() => new()
    {
        { "pow shapes", () => F23.Pow(F4), ["pow", "[2, 3]", "[4]", "cannot be broadcast"] },
        { "pow dtypes", () => D3.Pow(Tensor.Zeros(3)), ["pow", "same dtype", "float64[3]", "float32[3]"] },
        { "pow ints", () => I3.Pow(I3), ["pow", "floating-point", "int64"] },
        { "pow_scalar ints", () => I3.Pow(2), ["pow_scalar", "floating-point", "int64[3]"] },
        { "sqrt ints", () => I3.Sqrt(), ["sqrt", "floating-point", "int64[3]"] },
        { "erf ints", () => I3.Erf(), ["erf", "floating-point"] },
        { "abs bool", () => B3.Abs(), ["abs", "bool"] },
        { "maximum shapes", () => F23.Maximum(F4), ["maximum", "[2, 3]", "[4]"] },
        { "minimum dtypes", () => F4.Minimum(Tensor.Zeros([4], DType.Float64)), ["minimum", "same dtype", "float32[4]", "float64[4]"] },
        { "eq shapes", () => F23.Eq(F4), ["eq", "[2, 3]", "[4]", "cannot be broadcast"] },
        { "lt dtypes", () => D3 < I3, ["lt", "same dtype", "float64[3]", "int64[3]"] },
        { "bool vs 2", () => B3.Gt(2), ["gt", "bool", "0 or 1"] },
        { "and not bool", () => F4.LogicalAnd(F4), ["logical_and", "expected bool inputs", "float32[4]"] },
        { "or shapes", () => B3 | B4, ["logical_or", "[3]", "[4]"] },
        { "not on float", () => !F4, ["logical_not", "bool tensor", "float32[4]"] },
        { "where cond dtype", () => Tensor.Where(F4, F4, F4), ["where", "condition", "bool", "float32[4]"] },
        { "where dtypes", () => Tensor.Where(B3, D3, I3), ["where", "same dtype", "float64[3]", "int64[3]"] },
        { "where shapes", () => Tensor.Where(B3, F23, F4), ["where", "cannot be broadcast"] },
        { "clamp no bounds", () => F4.Clamp(null, (double?)null), ["clamp", "at least one of 'min' or 'max'"] },
        { "clamp int fraction", () => I3.Clamp(0.5, 2), ["clamp", "0.5", "int64"] },
        { "clamp bound dtype", () => F4.Clamp(D3, null), ["clamp", "dtype", "float32", "float64"] },
        { "clamp bool", () => B3.Clamp(0, 1), ["clamp", "bool"] },
        { "masked_fill mask dtype", () => F4.MaskedFill(F4, 1), ["masked_fill", "bool mask", "float32[4]"] },
        { "masked_fill mask shape", () => F4.MaskedFill(Tensor.Zeros([2, 4], DType.Bool), 1), ["masked_fill", "[2, 4]", "[4]", "cannot be broadcast"] },
        { "masked_fill value rank", () => F4.MaskedFill(B4, Tensor.Zeros(2)), ["masked_fill", "0-dim", "[2]"] },
        { "masked_fill int fraction", () => I3.MaskedFill(B3, 1.5), ["masked_fill", "1.5", "int64"] },
        { "dropout p", () => F4.Dropout(2), ["dropout", "between 0 and 1", "2"] },
        { "dropout ints", () => I3.Dropout(0.5), ["dropout", "floating-point", "int64"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInputGivesAClearMessage(string name, Func<Tensor> action, string[] fragments)
    {
        var e = Assert.ThrowsAny<ArgumentException>(() => action());
        foreach (var f in fragments)
            Assert.True(e.Message.Contains(f, StringComparison.Ordinal), $"{name}: message \"{e.Message}\" lacks \"{f}\"");
    }
}
