using static Avalon.Tests.Primitives.Elementwise.ElementwiseReference;

namespace Avalon.Tests.Primitives.Elementwise;

/// <summary>Unary math kernels against float64 references over layouts, sizes and dtypes.</summary>
public class MathPrimitiveTests
{
    private static readonly int[][] Shapes = [[37], [3, 17], [4, 1, 6], [0, 5], [1], [], [2, 64]];

    public static TheoryData<string> FloatFunctions() =>
    [
        "log1p", "expm1", "sqrt", "rsqrt", "abs", "sign", "sin", "cos", "tanh", "sigmoid", "erf", "square", "reciprocal", "relu",
        "pow2", "pow3", "pow0.5", "pow-0.5", "pow-1", "pow-2", "pow0", "pow1", "pow1.7", "pow-2.3",
    ];

    // The function under test, its float64 reference, and how to make an input in its domain.
    private static (Func<Tensor, Tensor> F, Func<double, double> Ref, Func<Tensor, Tensor> Domain) Case(string name) => name switch
    {
        "log1p" => (x => x.Log1p(), v => Math.Log(1 + v), x => x.Abs() - 0.9),
        "expm1" => (x => x.Expm1(), v => Math.Exp(v) - 1, x => x),
        "sqrt" => (x => x.Sqrt(), Math.Sqrt, x => x.Abs()),
        "rsqrt" => (x => x.Rsqrt(), v => 1 / Math.Sqrt(v), x => x.Abs() + 0.1),
        "abs" => (x => x.Abs(), Math.Abs, x => x),
        "sign" => (x => x.Sign(), v => Math.Sign(v), x => x),
        "sin" => (x => x.Sin(), Math.Sin, x => x * 3),
        "cos" => (x => x.Cos(), Math.Cos, x => x * 3),
        "tanh" => (x => x.Tanh(), Math.Tanh, x => x),
        "sigmoid" => (x => x.Sigmoid(), v => 1 / (1 + Math.Exp(-v)), x => x * 5),
        "erf" => (x => x.Erf(), ErfReference, x => x),
        "square" => (x => x.Square(), v => v * v, x => x),
        "reciprocal" => (x => x.Reciprocal(), v => 1 / v, x => x),
        "relu" => (x => x.Relu(), v => Math.Max(v, 0), x => x),
        _ when name.StartsWith("pow") => PowCase(double.Parse(name[3..], System.Globalization.CultureInfo.InvariantCulture)),
        _ => throw new ArgumentException(name),
    };

    private static (Func<Tensor, Tensor>, Func<double, double>, Func<Tensor, Tensor>) PowCase(double e) =>
        (x => x.Pow(e), v => Math.Pow(v, e), e == Math.Floor(e) ? x => x : x => x.Abs() + 0.05);

    [Theory]
    [MemberData(nameof(FloatFunctions))]
    public void FloatKernelsMatchReference(string name)
    {
        var (f, reference, domain) = Case(name);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            foreach (var shape in Shapes)
            {
                var x0 = domain(Random(shape, dtype, shape.Sum() + name.Length));
                foreach (var (layout, x) in Layouts(x0))
                {
                    var y = f(x);
                    Assert.Equal(dtype, y.DType);
                    Assert.Equal(shape, y.Shape.ToArray());
                    // Reference on the float32-rounded inputs, so only the kernel's own error is measured.
                    var expected = x.ToDoubleArray().Select(reference).ToArray();
                    var (rel, abs) = dtype == DType.Float32 ? (1e-6, 1e-6) : (1e-13, 1e-14);
                    if (dtype == DType.Float32) expected = expected.Select(v => (double)(float)v).ToArray();
                    AssertClose(expected, y.ToDoubleArray(), rel, abs, $"{name} {dtype.Name()}{ShapeText(shape)} {layout}");
                }
            }
    }

    [Theory]
    [InlineData("abs")]
    [InlineData("sign")]
    [InlineData("square")]
    [InlineData("relu")]
    public void IntegerKernelsMatchReference(string name)
    {
        var (f, reference, _) = Case(name);
        foreach (var dtype in new[] { DType.Int32, DType.Int64 })
            foreach (var shape in Shapes)
                foreach (var (layout, x) in Layouts(Random(shape, dtype, shape.Length)))
                {
                    var y = f(x);
                    Assert.Equal(dtype, y.DType);
                    Assert.Equal(x.ToDoubleArray().Select(reference).ToArray(), y.ToDoubleArray());
                }
    }

    // Special values, repeated to length 37 so they go through the vector path and the scalar tail.
    public static TheoryData<string, double, double> SpecialValues() => new()
    {
        { "log1p", -1, double.NegativeInfinity }, { "log1p", double.PositiveInfinity, double.PositiveInfinity },
        { "log1p", -2, double.NaN }, { "log1p", double.NaN, double.NaN }, { "log1p", 0, 0 },
        { "expm1", double.NegativeInfinity, -1 }, { "expm1", double.PositiveInfinity, double.PositiveInfinity },
        { "expm1", 1000, double.PositiveInfinity }, { "expm1", double.NaN, double.NaN }, { "expm1", 0, 0 },
        { "erf", double.PositiveInfinity, 1 }, { "erf", double.NegativeInfinity, -1 }, { "erf", double.NaN, double.NaN },
        { "erf", 0, 0 }, { "erf", 30, 1 },
        { "sigmoid", -1000, 0 }, { "sigmoid", 1000, 1 }, { "sigmoid", 0, 0.5 },
        { "relu", double.NaN, double.NaN }, { "relu", -3, 0 }, { "sign", double.NaN, 0 }, { "sign", -0.0, 0 },
        { "sqrt", -1, double.NaN }, { "rsqrt", 0, double.PositiveInfinity }, { "tanh", 50, 1 }, { "tanh", -50, -1 },
        { "reciprocal", 0, double.PositiveInfinity },
    };

    [Theory]
    [MemberData(nameof(SpecialValues))]
    public void SpecialValuesFollowIeee(string name, double input, double expected)
    {
        var (f, _, _) = Case(name);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var y = f(FromDoubles(Enumerable.Repeat(input, 37).ToArray(), [37], dtype)).ToDoubleArray();
            foreach (var v in y)
                Assert.True(v.Equals(expected), $"{name}({input}) in {dtype.Name()} = {v:R}, expected {expected:R}");
        }
    }

    [Theory]
    [InlineData(1e-300, 1e-300)]
    [InlineData(1e-20, 1e-20)]
    [InlineData(1e-10, 9.999999999500001e-11)]
    [InlineData(-1e-10, -1.00000000005e-10)]
    [InlineData(1e-05, 9.999950000333332e-06)]
    [InlineData(-3e-07, -3.00000045000009e-07)]
    [InlineData(0.01, 0.009950330853168083)]
    [InlineData(-0.5, -0.6931471805599453)]
    [InlineData(3.0, 1.3862943611198906)]
    [InlineData(-0.999, -6.907755278982136)]
    public void Log1pIsAccurateNearZero(double x, double expected) => AssertAccurate(t => t.Log1p(), x, expected);

    [Theory]
    [InlineData(1e-300, 1e-300)]
    [InlineData(1e-20, 1e-20)]
    [InlineData(1e-10, 1.00000000005e-10)]
    [InlineData(-1e-10, -9.999999999500001e-11)]
    [InlineData(1e-05, 1.0000050000166668e-05)]
    [InlineData(-3e-07, -2.999999550000045e-07)]
    [InlineData(0.01, 0.010050167084168058)]
    [InlineData(-0.5, -0.3934693402873666)]
    [InlineData(3.0, 19.085536923187668)]
    [InlineData(-40.0, -1.0)]
    [InlineData(700.0, 1.0142320547350045e+304)]
    public void Expm1IsAccurateNearZero(double x, double expected) => AssertAccurate(t => t.Expm1(), x, expected);

    // Values from mpmath at 50 digits; relative error a few ulp in float64, float32 within its rounding.
    private static void AssertAccurate(Func<Tensor, Tensor> f, double x, double expected)
    {
        var y64 = f(Tensor.From(Enumerable.Repeat(x, 37).ToArray())).ToDoubleArray();
        foreach (var v in y64) Assert.True(Math.Abs(v - expected) <= 4e-16 * Math.Abs(expected), $"float64 f({x:R}) = {v:R}, expected {expected:R}");
        if (Math.Abs(x) < 1e-38 || Math.Abs(expected) > 3e38) return;   // not representable in float32
        var y32 = f(Tensor.From(Enumerable.Repeat((float)x, 37).ToArray())).ToDoubleArray();
        double e32 = f(Tensor.From(new[] { (double)(float)x })).Item();   // exact answer for the rounded input
        foreach (var v in y32) Assert.True(Math.Abs(v - e32) <= 3e-7 * Math.Abs(e32), $"float32 f({(float)x:R}) = {v:R}, expected {e32:R}");
    }

    // erf values from mpmath at 40 digits, rounded to float64.
    public static TheoryData<double, double> ErfTable() => new()
    {
        { 0.0, 0.0 }, { 1e-10, 1.1283791670955126e-10 }, { 0.001, 0.0011283787909692365 }, { 0.1, 0.1124629160182849 },
        { 0.25, 0.27632639016823696 }, { 0.5, 0.5204998778130465 }, { 0.75, 0.7111556336535151 }, { 0.9, 0.7969082124228322 },
        { 0.999, 0.8422852702064969 }, { 1.0, 0.8427007929497149 }, { 1.0000001, 0.8427008344604605 }, { 1.1, 0.8802050695740817 },
        { 1.25, 0.9229001282564583 }, { 1.5, 0.9661051464753108 }, { 1.75, 0.9866716712191824 }, { 2.0, 0.9953222650189527 },
        { 2.5, 0.999593047982555 }, { 3.0, 0.9999779095030014 }, { 3.5, 0.9999992569016276 }, { 4.0, 0.9999999845827421 },
        { 4.5, 0.9999999998033839 }, { 5.0, 0.9999999999984626 }, { 5.5, 0.9999999999999927 }, { 5.9, 0.9999999999999999 },
        { 6.0, 1.0 }, { 6.5, 1.0 }, { 8.0, 1.0 }, { -0.3, -0.3286267594591274 }, { -1.0, -0.8427007929497149 },
        { -1.7, -0.9837904585907745 }, { -2.9, -0.9999589021219005 }, { -4.2, -0.9999999971445058 },
    };

    [Theory]
    [MemberData(nameof(ErfTable))]
    public void ErfMatchesHighPrecisionValues(double x, double expected)
    {
        var y = Tensor.From(Enumerable.Repeat(x, 37).ToArray()).Erf().ToDoubleArray();
        foreach (var v in y) Assert.True(Math.Abs(v - expected) <= 1e-15, $"erf({x:R}) = {v:R}, expected {expected:R}");
        var y32 = Tensor.From(Enumerable.Repeat((float)x, 37).ToArray()).Erf().ToDoubleArray();
        double e32 = ErfReference((float)x);
        foreach (var v in y32) Assert.True(Math.Abs(v - e32) <= 1e-7, $"float32 erf({(float)x:R}) = {v:R}, expected {e32:R}");
    }

    [Fact]
    public void ErfSweepStaysWithinStatedError()
    {
        var xs = Enumerable.Range(0, 4001).Select(i => -7 + i * 0.0035).ToArray();
        var y64 = Tensor.From(xs).Erf().ToDoubleArray();
        var y32 = Tensor.From(xs.Select(v => (float)v).ToArray()).Erf().ToDoubleArray();
        for (int i = 0; i < xs.Length; i++)
        {
            Assert.True(Math.Abs(y64[i] - ErfReference(xs[i])) <= 1.5e-15, $"erf({xs[i]:R}) = {y64[i]:R}, reference {ErfReference(xs[i]):R}");
            double r32 = ErfReference((float)xs[i]);
            Assert.True(Math.Abs(y32[i] - r32) <= 1e-7, $"float32 erf({(float)xs[i]:R}) = {y32[i]:R}, reference {r32:R}");
        }
    }

    /// <summary>
    /// erf to within a unit of float64 rounding, independent of the kernel: for |x| &lt; 2.5 the Maclaurin
    /// series summed in 28-digit decimal arithmetic (its cancellation costs at most 3 digits there); beyond,
    /// 1 - erfc(x) with erfc from its continued fraction (erfc &lt; 5e-4, so its relative error barely matters).
    /// </summary>
    public static double ErfReference(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax > 6) return Math.Sign(x);
        if (ax >= 2.5)
        {
            double t = ax;
            for (int k = 200; k > 0; k--) t = ax + k / 2.0 / t;
            return Math.Sign(x) * (1 - Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / t);
        }
        decimal d = ExactDecimal(x), d2 = d * d, term = d, sum = d;
        for (int n = 1; ; n++)
        {
            term = -term * d2 / n;
            decimal c = term / (2 * n + 1);
            sum += c;
            if (Math.Abs(c) < 1e-27m) break;
        }
        return (double)(sum * 1.1283791670955125738961589031m);
    }

    // The exact value of a double as a decimal (decimal casts round to 15 digits).
    private static decimal ExactDecimal(double x)
    {
        long bits = BitConverter.DoubleToInt64Bits(x);
        int exp = (int)(bits >> 52 & 0x7FF);
        long mantissa = bits & 0xFFFFFFFFFFFFFL;
        if (exp == 0) return 0m;   // subnormals: far below decimal's resolution
        mantissa |= 1L << 52;
        decimal d = mantissa;
        for (int e = exp - 1075; e < 0; e++) d /= 2;
        for (int e = exp - 1075; e > 0; e--) d *= 2;
        return x < 0 ? -d : d;
    }

    [Fact]
    public void PowOfTensorsBroadcastsLikeReference()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
            foreach (var (sa, sb) in BinaryShapes)
            {
                var a = Random(sa, dtype, 3).Abs() + 0.1;
                var b = Random(sb, dtype, 4);
                foreach (var (la, xa) in Layouts(a))
                {
                    var y = xa.Pow(b);
                    var expected = Binary(xa, b, Math.Pow);
                    var (rel, abs) = dtype == DType.Float32 ? (1e-6, 1e-6) : (1e-14, 1e-14);
                    if (dtype == DType.Float32) expected = expected.Select(v => (double)(float)v).ToArray();
                    AssertClose(expected, y.ToDoubleArray(), rel, abs, $"pow {ShapeText(sa)} {la} ^ {ShapeText(sb)} {dtype.Name()}");
                }
            }
    }

    [Fact]
    public void PowScalarHandlesNegativeBasesAndZero()
    {
        var x = Tensor.From(new double[] { -2, -0.5, 0, 0.5, 2 });
        Assert.Equal(new double[] { 4, 0.25, 0, 0.25, 4 }, x.Pow(2).ToArray<double>());
        Assert.Equal(new double[] { -8, -0.125, 0, 0.125, 8 }, x.Pow(3).ToArray<double>());
        Assert.Equal(new double[] { -0.5, -2, double.PositiveInfinity, 2, 0.5 }, x.Pow(-1).ToArray<double>());
        Assert.Equal(new double[] { 1, 1, 1, 1, 1 }, x.Pow(0).ToArray<double>());
        Assert.True(double.IsNaN(x.Pow(1.5).ToArray<double>()[0]));
    }

    internal static string ShapeText(int[] shape) => "[" + string.Join(",", shape) + "]";
}
