using Avalon.Primitives;
using Avalon.Primitives.Elementwise;
using static Avalon.Tests.Primitives.Elementwise.OutputBufferCheck;

namespace Avalon.Tests.Primitives.Elementwise;

/// <summary>
/// Every elementwise primitive's kernel run through <see cref="Primitive.Compute"/> into output buffers
/// at a non-zero offset of garbage-filled storages matches <see cref="Primitive.Invoke"/> bit for bit,
/// over dtypes, broadcasting, strided inputs and inputs at an offset (see <see cref="OutputBufferCheck"/>).
/// </summary>
public class ElementwiseOutputBufferTests
{
    private static readonly DType[] s_numeric = [DType.Float32, DType.Float64, DType.Int32, DType.Int64];
    private static readonly DType[] s_floats = [DType.Float32, DType.Float64];

    public static IEnumerable<OutputBufferCase> Cases()
    {
        var none = Attributes.Empty;
        Primitive[] arithmetic =
        [
            ArithmeticPrimitives.Add, ArithmeticPrimitives.Sub, ArithmeticPrimitives.Mul, ArithmeticPrimitives.Div,
            SelectionPrimitives.Maximum, SelectionPrimitives.Minimum,
        ];
        foreach (var p in arithmetic)
            foreach (var dt in s_numeric)
            {
                bool fp = dt.IsFloatingPoint();
                Tensor A(int seed, int[] shape) => fp ? Uniform(seed, dt, shape) : Ints(seed, dt, shape, -9, 9);
                Tensor B(int seed, int[] shape) => fp ? Uniform(seed, dt, shape, 0.5, 3) : Ints(seed, dt, shape, 1, 5);   // no zero divisors
                yield return new($"{dt} dense [4, 37] by row [37]", p, none, [A(1, [4, 37]), B(2, [37])]);
                yield return new($"{dt} transposed by scalar", p, none, [A(3, [37, 4]).MT, B(4, [1])]);
                yield return new($"{dt} scalar by input at an offset", p, none, [A(5, [1, 1]), AtOffset(B(6, [3, 19]))]);
            }
        foreach (var dt in s_floats)
        {
            yield return new($"{dt} broadcast", MathPrimitives.Pow, none, [Uniform(7, dt, [5, 1], 0.1, 3), Uniform(8, dt, [1, 21], -2, 2)]);
            yield return new($"{dt} strided", MathPrimitives.Pow, none, [Uniform(9, dt, [21, 5], 0.1, 3).MT, AtOffset(Uniform(10, dt, [5, 21]))]);
        }

        Primitive[] comparisons =
        [
            ComparisonPrimitives.Eq, ComparisonPrimitives.Ne, ComparisonPrimitives.Lt,
            ComparisonPrimitives.Le, ComparisonPrimitives.Gt, ComparisonPrimitives.Ge,
        ];
        foreach (var p in comparisons)
        {
            foreach (var dt in s_numeric)
            {
                yield return new($"{dt} dense", p, none, [Ints(11, dt, [3, 41], -2, 2), Ints(12, dt, [3, 41], -2, 2)]);
                yield return new($"{dt} broadcast, strided", p, none, [Ints(13, dt, [41, 3], -2, 2).MT, AtOffset(Ints(14, dt, [3, 1], -2, 2))]);
            }
            yield return new("bool", p, none, [Bools(15, [2, 35]), Bools(16, [35])]);
        }
        foreach (var p in new[] { ComparisonPrimitives.IsNan, ComparisonPrimitives.IsInf, ComparisonPrimitives.IsFinite })
        {
            var special = Tensor.From(new[] { 1f, float.NaN, float.PositiveInfinity, -0f, float.NegativeInfinity, 3e38f, float.Epsilon }, 7);
            yield return new("float32 specials", p, none, [special]);
            yield return new("float64 transposed", p, none, [special.To(DType.Float64).Log().Reshape(7, 1).Expand(7, 3).MT]);
            yield return new("int64", p, none, [Ints(17, DType.Int64, [9])]);
            yield return new("bool", p, none, [Bools(18, [9])]);
        }

        foreach (var p in new[] { LogicalPrimitives.And, LogicalPrimitives.Or, LogicalPrimitives.Xor })
        {
            yield return new("dense", p, none, [Bools(19, [3, 70]), Bools(20, [3, 70])]);
            yield return new("broadcast, strided, at an offset", p, none, [Bools(21, [70, 3]).MT, AtOffset(Bools(22, [3, 1]))]);
        }
        yield return new("dense", LogicalPrimitives.Not, none, [Bools(23, [3, 70])]);
        yield return new("strided at an offset", LogicalPrimitives.Not, none, [AtOffset(Bools(24, [70, 3])).MT]);

        Primitive[] floatUnary =
        [
            ArithmeticPrimitives.Exp, MathPrimitives.Sin, MathPrimitives.Cos, MathPrimitives.Tanh,
            MathPrimitives.Sigmoid, MathPrimitives.Erf, MathPrimitives.Expm1,
        ];
        Primitive[] positiveUnary = [ArithmeticPrimitives.Log, MathPrimitives.Log1p, MathPrimitives.Sqrt, MathPrimitives.Rsqrt, MathPrimitives.Reciprocal];
        foreach (var dt in s_floats)
        {
            foreach (var p in floatUnary)
            {
                // TensorPrimitives' float64 sin and cos depend on the destination's alignment (see OutputBufferCase.Ulps).
                int ulps = dt == DType.Float64 && (p == MathPrimitives.Sin || p == MathPrimitives.Cos) ? 1 : 0;
                yield return new($"{dt} dense", p, none, [Uniform(25, dt, [3, 37], -3, 3)]) { Ulps = ulps };
                yield return new($"{dt} strided", p, none, [Uniform(26, dt, [37, 3], -3, 3).MT]) { Ulps = ulps };
            }
            foreach (var p in positiveUnary)
            {
                yield return new($"{dt} dense", p, none, [Uniform(27, dt, [3, 37], 0.05, 4)]);
                yield return new($"{dt} at an offset", p, none, [AtOffset(Uniform(28, dt, [37], 0.05, 4))]);
            }
            foreach (double e in new[] { 0, 1, 2, 3, 0.5, -0.5, -1, -2, 1.7 })
                yield return new($"{dt} exponent {e}", MathPrimitives.PowScalar, Attributes.Of(("exponent", e)),
                    [AtOffset(Uniform(29, dt, [4, 19], 0.1, 3))]);
        }

        Primitive[] numericUnary = [ArithmeticPrimitives.Neg, MathPrimitives.Abs, MathPrimitives.Sign, MathPrimitives.Square, MathPrimitives.Relu];
        foreach (var dt in s_numeric)
        {
            Tensor X(int seed, int[] shape) => dt.IsFloatingPoint() ? Uniform(seed, dt, shape) : Ints(seed, dt, shape, -9, 9);
            foreach (var p in numericUnary)
            {
                yield return new($"{dt} dense", p, none, [X(30, [5, 23])]);
                yield return new($"{dt} strided", p, none, [X(31, [23, 5]).MT]);
            }
            yield return new($"{dt} min and max", SelectionPrimitives.Clamp, Attributes.Of(("min", -1.0), ("max", 2.0)), [X(32, [5, 23])]);
            yield return new($"{dt} min only, strided", SelectionPrimitives.Clamp, Attributes.Of(("min", 0.5)), [X(33, [23, 5]).MT]);
            yield return new($"{dt} max only, at an offset", SelectionPrimitives.Clamp, Attributes.Of(("max", 1)), [AtOffset(X(34, [23]))]);
            yield return new($"{dt} no bounds", SelectionPrimitives.Clamp, none, [X(35, [7])]);
        }

        foreach (var dt in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool })
        {
            Tensor V(int seed, int[] shape) => dt == DType.Bool ? Bools(seed, shape) : Ints(seed, dt, shape, -50, 50);
            yield return new($"{dt} dense", SelectionPrimitives.Where, none, [Bools(36, [4, 37]), V(37, [4, 37]), V(38, [4, 37])]);
            yield return new($"{dt} broadcast scalar other", SelectionPrimitives.Where, none, [Bools(39, [4, 37]), V(40, [4, 37]), V(41, [1])]);
            yield return new($"{dt} strided, at an offset", SelectionPrimitives.Where, none,
                [Bools(42, [37, 1]).Expand(37, 4).MT, AtOffset(V(43, [4, 1])), V(44, [37, 4]).MT]);
        }

        foreach (var from in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool })
            foreach (var to in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool })
            {
                var x = from == DType.Bool ? Bools(45, [6, 11]) : from.IsFloatingPoint() ? Uniform(46, from, [6, 11], -40, 40) : Ints(47, from, [6, 11], -3, 3);
                yield return new($"{from} to {to}", ConversionPrimitives.Convert, Attributes.Of(("dtype", to)), [x]);
                yield return new($"{from} to {to}, strided at an offset", ConversionPrimitives.Convert, Attributes.Of(("dtype", to)), [AtOffset(x).MT]);
            }
    }

    // Built once: the inputs are only read.
    private static readonly Lazy<Dictionary<string, OutputBufferCase>> s_byName = new(() => Cases().ToDictionary(c => c.ToString()));

    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (var name in s_byName.Value.Keys) data.Add(name);
        return data;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void ComputeIntoOffsetBufferMatchesInvoke(string name) => Run(s_byName.Value[name]);

    [Fact]
    public void EveryElementwisePrimitiveHasACase() => AssertCovers("Avalon.Primitives.Elementwise", Cases());
}
