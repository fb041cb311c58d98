using static Avalon.Tests.Primitives.Elementwise.ElementwiseReference;

namespace Avalon.Tests.Primitives.Elementwise;

/// <summary>maximum, minimum, clamp, where and masked_fill against float64 references.</summary>
public class SelectionPrimitiveTests
{
    private static readonly DType[] NumericDTypes = [DType.Float32, DType.Float64, DType.Int32, DType.Int64];

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void MaximumMinimumMatchReference(bool max)
    {
        foreach (var dtype in NumericDTypes)
            foreach (var (sa, sb) in BinaryShapes)
            {
                var a = Random(sa, dtype, 11, scale: 1);
                var b = Random(sb, dtype, 12, scale: 1);
                foreach (var (la, xa) in Layouts(a))
                    foreach (var (lb, xb) in Layouts(b))
                    {
                        var y = max ? xa.Maximum(xb) : xa.Minimum(xb);
                        Assert.Equal(dtype, y.DType);
                        Assert.Equal(BroadcastShape(sa, sb), y.Shape.ToArray());
                        var expected = Binary(xa, xb, max ? Math.Max : Math.Min);
                        Assert.True(expected.SequenceEqual(y.ToDoubleArray()),
                            $"{(max ? "maximum" : "minimum")} {dtype.Name()} {MathPrimitiveTests.ShapeText(sa)} {la} {MathPrimitiveTests.ShapeText(sb)} {lb}");
                    }
            }
    }

    [Fact]
    public void MaximumMinimumPropagateNan()
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var a = FromDoubles(Enumerable.Range(0, 37).Select(i => i % 3 == 0 ? double.NaN : i).ToArray(), [37], dtype);
            var b = FromDoubles(Enumerable.Range(0, 37).Select(i => i % 3 == 1 ? double.NaN : 10.0).ToArray(), [37], dtype);
            var mx = a.Maximum(b).ToDoubleArray();
            var mn = a.Minimum(b).ToDoubleArray();
            for (int i = 0; i < 37; i++)
            {
                Assert.Equal(i % 3 != 2, double.IsNaN(mx[i]));
                Assert.Equal(i % 3 != 2, double.IsNaN(mn[i]));
            }
        }
    }

    [Fact]
    public void ClampWithScalarBoundsMatchesReference()
    {
        foreach (var dtype in NumericDTypes)
            foreach (var shape in new[] { new[] { 37 }, [3, 17], [0, 4], [], [2, 1, 33] })
                foreach (var (layout, x) in Layouts(Random(shape, dtype, 21)))
                {
                    var values = x.ToDoubleArray();
                    Assert.Equal(values.Select(v => Math.Min(Math.Max(v, -1), 2)).ToArray(), x.Clamp(-1, 2).ToDoubleArray());
                    Assert.Equal(values.Select(v => Math.Max(v, -1)).ToArray(), x.ClampMin(-1).ToDoubleArray());
                    Assert.Equal(values.Select(v => Math.Min(v, 2)).ToArray(), x.ClampMax(2).ToDoubleArray());
                    Assert.Equal(values.Select(_ => 1.0).ToArray(), x.Clamp(3, 1).ToDoubleArray());   // max wins when min > max
                    Assert.Equal(dtype, x.Clamp(-1, 2).DType);
                    _ = layout;
                }
        var nan = Tensor.From(new[] { double.NaN, 5 });
        Assert.True(double.IsNaN(nan.Clamp(0, 1).ToArray<double>()[0]));
    }

    [Fact]
    public void ClampWithTensorBoundsBroadcasts()
    {
        var x = Random([4, 5], DType.Float64, 31);
        var lo = Random([5], DType.Float64, 32) - 0.5;
        var hi = Random([4, 1], DType.Float64, 33) + 0.5;
        foreach (var (layout, xs) in Layouts(x))
        {
            var expected = Nary([xs, lo, hi], v => Math.Min(Math.Max(v[0], v[1]), v[2]));
            Assert.True(expected.SequenceEqual(xs.Clamp(lo, hi).ToDoubleArray()), layout);
            Assert.True(Binary(xs, lo, Math.Max).SequenceEqual(xs.ClampMin(lo).ToDoubleArray()), layout);
            Assert.True(Binary(xs, hi, Math.Min).SequenceEqual(xs.ClampMax(hi).ToDoubleArray()), layout);
        }
    }

    [Fact]
    public void ClampGradientIncludesTheBounds()
    {
        var x = Tensor.From(new double[] { 0, 1, 1.5, 2, 3 }).RequiresGrad_();
        x.Clamp(1, 2).Sum().Backward();
        Assert.Equal(new double[] { 0, 1, 1, 1, 0 }, x.Grad!.ToArray<double>());
        var y = Tensor.From(new double[] { 0, 1, 1.5, 2, 3 }).RequiresGrad_();
        var lo = Tensor.Full([5], 1, DType.Float64).RequiresGrad_();
        var hi = Tensor.Full([5], 2, DType.Float64).RequiresGrad_();
        y.Clamp(lo, hi).Sum().Backward();
        Assert.Equal(new double[] { 0, 1, 1, 1, 0 }, y.Grad!.ToArray<double>());
        Assert.Equal(new double[] { 1, 0, 0, 0, 0 }, lo.Grad!.ToArray<double>());
        Assert.Equal(new double[] { 0, 0, 0, 0, 1 }, hi.Grad!.ToArray<double>());
    }

    [Fact]
    public void MaximumSplitsTiesLikePyTorch()
    {
        var a = Tensor.From(new double[] { 1, 2, 3, double.NaN }).RequiresGrad_();
        var b = Tensor.From(new double[] { 2, 2, 1, 0 }).RequiresGrad_();
        a.Maximum(b).Sum().Backward();
        Assert.Equal(new double[] { 0, 0.5, 1, 1 }, a.Grad!.ToArray<double>());
        Assert.Equal(new double[] { 1, 0.5, 0, 1 }, b.Grad!.ToArray<double>());
    }

    [Fact]
    public void WhereMatchesReferenceForEveryDTypeAndLayout()
    {
        (int[] C, int[] A, int[] B)[] shapes =
        [
            ([2, 3], [2, 3], [2, 3]), ([37], [37], []), ([3, 1], [1, 17], [17]), ([4, 1, 5], [3, 1], [1]),
            ([0, 3], [3], [1, 3]), ([], [2, 2], [2, 1]),
        ];
        foreach (var dtype in new[] { DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool })
            foreach (var (sc, sa, sb) in shapes)
            {
                var c = Random(sc, DType.Int32, 41).Gt(0);
                var a = dtype == DType.Bool ? Random(sa, DType.Int32, 42).Gt(0) : Random(sa, dtype, 42);
                var b = dtype == DType.Bool ? Random(sb, DType.Int32, 43).Le(0) : Random(sb, dtype, 43);
                foreach (var (lc, xc) in Layouts(c))
                    foreach (var (la, xa) in Layouts(a))
                    {
                        var y = Tensor.Where(xc, xa, b);
                        Assert.Equal(dtype, y.DType);
                        var expected = Nary([xc, xa, b], v => v[0] != 0 ? v[1] : v[2]);
                        Assert.True(expected.SequenceEqual(y.ToDoubleArray()),
                            $"where {dtype.Name()} {MathPrimitiveTests.ShapeText(sc)} {lc} {MathPrimitiveTests.ShapeText(sa)} {la} {MathPrimitiveTests.ShapeText(sb)}");
                    }
            }
    }

    [Fact]
    public void WhereWithScalars()
    {
        var c = Tensor.From(new[] { true, false, true });
        var x = Tensor.From(new float[] { 1, 2, 3 });
        Assert.Equal(new float[] { 1, -1, 3 }, Tensor.Where(c, x, -1).ToArray<float>());
        Assert.Equal(new float[] { 7, 2, 7 }, Tensor.Where(c, 7, x).ToArray<float>());
    }

    [Fact]
    public void MaskedFillBroadcastsTheMask()
    {
        var x = Tensor.Arange(6.0).Reshape(2, 3);
        var mask = Tensor.From(new[] { true, false, true });
        Assert.Equal(new float[] { -9, 1, -9, -9, 4, -9 }, x.MaskedFill(mask, -9).ToArray<float>());
        Assert.Equal(new float[] { 0, 1, 2, 3, 4, 5 }, x.MaskedFill(Tensor.From(new[] { false }), 1).ToArray<float>());
        var ints = Tensor.From(new long[] { 1, 2 });
        Assert.Equal(new long[] { 1, 0 }, ints.MaskedFill(Tensor.From(new[] { false, true }), 0).ToArray<long>());
    }

    [Fact]
    public void MaskedFillGradientSkipsFilledElements()
    {
        var x = Tensor.From(new double[] { 1, 2, 3 }).RequiresGrad_();
        var v = Tensor.Scalar(5.0, DType.Float64).RequiresGrad_();
        (x.MaskedFill(Tensor.From(new[] { true, false, true }), v) * 2).Sum().Backward();
        Assert.Equal(new double[] { 0, 2, 0 }, x.Grad!.ToArray<double>());
        Assert.Equal(4, v.Grad!.Item());
    }
}
