using static Avalon.Tests.Primitives.Elementwise.ElementwiseReference;

namespace Avalon.Tests.Primitives.Elementwise;

/// <summary>Comparison kernels (bool results) against float64 references over layouts, broadcasts and dtypes.</summary>
public class ComparisonPrimitiveTests
{
    private static readonly DType[] AllDTypes = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool];

    private static (Func<Tensor, Tensor, Tensor> F, Func<double, double, bool> Ref) Case(string name) => name switch
    {
        "eq" => ((a, b) => a.Eq(b), (x, y) => x == y),
        "ne" => ((a, b) => a.Ne(b), (x, y) => x != y),
        "lt" => ((a, b) => a < b, (x, y) => x < y),
        "le" => ((a, b) => a <= b, (x, y) => x <= y),
        "gt" => ((a, b) => a > b, (x, y) => x > y),
        "ge" => ((a, b) => a >= b, (x, y) => x >= y),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [InlineData("eq")]
    [InlineData("ne")]
    [InlineData("lt")]
    [InlineData("le")]
    [InlineData("gt")]
    [InlineData("ge")]
    public void TensorTensorMatchesReference(string name)
    {
        var (f, reference) = Case(name);
        foreach (var dtype in AllDTypes)
            foreach (var (sa, sb) in BinaryShapes)
            {
                var a = Make(sa, dtype, 1);
                var b = Make(sb, dtype, 2);
                foreach (var (la, xa) in Layouts(a))
                    foreach (var (lb, xb) in Layouts(b))
                    {
                        var what = $"{name} {dtype.Name()} {MathPrimitiveTests.ShapeText(sa)} {la} vs {MathPrimitiveTests.ShapeText(sb)} {lb}";
                        Check(f(xa, xb), Binary(xa, xb, (x, y) => reference(x, y) ? 1 : 0), BroadcastShape(sa, sb), what);
                        Check(f(xb, xa), Binary(xb, xa, (x, y) => reference(x, y) ? 1 : 0), BroadcastShape(sa, sb), what + " (swapped)");
                    }
            }
    }

    private static Tensor Make(int[] shape, DType dtype, int seed) =>
        dtype == DType.Bool ? Random(shape, DType.Int32, seed).Gt(0) : Random(shape, dtype, seed, scale: 1);

    private static void Check(Tensor y, double[] expected, int[] shape, string what)
    {
        Assert.Equal(DType.Bool, y.DType);
        Assert.Equal(shape, y.Shape.ToArray());
        Assert.True(expected.SequenceEqual(y.ToDoubleArray()), what);
    }

    [Fact]
    public void NanComparesUnequalToEverything()
    {
        var nan = Tensor.From(Enumerable.Repeat(double.NaN, 37).ToArray());
        var one = Tensor.Ones([37], DType.Float64);
        Assert.All(nan.Eq(nan).ToArray<bool>(), Assert.False);
        Assert.All(nan.Ne(nan).ToArray<bool>(), Assert.True);
        Assert.All((nan < one).ToArray<bool>(), Assert.False);
        Assert.All((nan >= one).ToArray<bool>(), Assert.False);
    }

    [Fact]
    public void ScalarOperandsOnBothSides()
    {
        var x = Tensor.From(new float[] { -1, 0, 2, 3 });
        Assert.Equal(new[] { false, false, true, true }, (x > 1).ToArray<bool>());
        Assert.Equal(new[] { true, true, false, false }, (1 > x).ToArray<bool>());
        Assert.Equal(new[] { false, true, true, true }, (0 <= x).ToArray<bool>());
        Assert.Equal(new[] { false, false, true, false }, x.Eq(2).ToArray<bool>());
        Assert.Equal(new[] { true, true, false, true }, x.Ne(2).ToArray<bool>());
    }

    [Fact]
    public void IntegerTensorsCompareWithFractionalScalarsExactly()
    {
        var x = Tensor.From(new long[] { 1, 2, 3 });
        Assert.Equal(new[] { true, true, false }, (x < 2.5).ToArray<bool>());
        Assert.Equal(new[] { true, true, false }, (x <= 2.5).ToArray<bool>());
        Assert.Equal(new[] { false, false, true }, (x > 2.5).ToArray<bool>());
        Assert.Equal(new[] { false, false, true }, (x >= 2.5).ToArray<bool>());
        Assert.Equal(new[] { false, false, false }, x.Eq(2.5).ToArray<bool>());
        Assert.Equal(new[] { true, true, true }, x.Ne(2.5).ToArray<bool>());
        Assert.Equal(new[] { true, true, true }, (x < 1e30).ToArray<bool>());
        Assert.Equal(new[] { false, false, false }, (x < double.NaN).ToArray<bool>());
        var i32 = Tensor.From(new[] { -3, 0, 7 });
        Assert.Equal(new[] { true, true, true }, (i32 > -1e12).ToArray<bool>());
        Assert.Equal(new[] { true, false, false }, (i32 < -2.5).ToArray<bool>());
    }

    [Fact]
    public void ClassificationTests()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = FromDoubles([1, double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 3e38], [6], dtype);
            Assert.Equal(new[] { false, true, false, false, false, false }, x.IsNan().ToArray<bool>());
            Assert.Equal(new[] { false, false, true, true, false, false }, x.IsInf().ToArray<bool>());
            Assert.Equal(new[] { true, false, false, false, true, true }, x.IsFinite().ToArray<bool>());
            Assert.Equal(new[] { true, false, false }, x.T.Slice(0, 1, 6, 2).IsNan().ToArray<bool>());
        }
        var ints = Tensor.From(new[] { 1, 2 });
        Assert.Equal(new[] { false, false }, ints.IsNan().ToArray<bool>());
        Assert.Equal(new[] { true, true }, ints.IsFinite().ToArray<bool>());
    }

    [Fact]
    public void ComparisonsCarryNoGradient()
    {
        var x = Tensor.From(new double[] { 1, 2 }).RequiresGrad_();
        var y = x > 1.5;
        Assert.False(y.RequiresGrad);
        Assert.Null(y.GradFn);
    }
}
