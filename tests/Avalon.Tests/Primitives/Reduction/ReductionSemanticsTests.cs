namespace Avalon.Tests.Primitives.Reduction;

/// <summary>PyTorch's rules for NaN, ties, empty tensors and degenerate sizes (expected values checked with PyTorch 1.13).</summary>
public class ReductionSemanticsTests
{
    private static readonly double NaN = double.NaN;

    [Fact]
    public void MaxAndMinPropagateNaN()
    {
        var x = Tensor.From(new float[] { 1, float.NaN, 5, float.NaN });
        Assert.True(double.IsNaN(x.Max().Item()));
        Assert.True(double.IsNaN(x.Min().Item()));
        Assert.True(double.IsNaN(x.Amax().Item()));
        var (values, indices) = x.Max(0);
        Assert.True(double.IsNaN(values.Item()));
        Assert.Equal(1L, indices.Item<long>());
        Assert.Equal(1L, x.ArgMax().Item<long>());
        Assert.Equal(1L, x.ArgMin().Item<long>());
    }

    [Fact]
    public void NaNPropagatesInColumnReductions()
    {
        // Reducing dim 0 of a [3, 2] tensor walks columns (the row-folding path).
        var x = Tensor.From(new double[] { 1, 2, NaN, 0, 3, NaN }, 3, 2);
        var max = x.Amax(0).ToArray<double>();
        Assert.True(double.IsNaN(max[0]) && double.IsNaN(max[1]));
        Assert.Equal(new long[] { 1, 2 }, x.ArgMax(0).ToArray<long>());
        Assert.Equal(new long[] { 1, 2 }, x.Min(0).Indices.ToArray<long>());
    }

    [Fact]
    public void ArgMaxPicksTheFirstOfTies()
    {
        var rows = Tensor.From(new float[] { 1, 3, 3, 2, 2, 0 }, 2, 3);
        Assert.Equal(new long[] { 1, 0 }, rows.ArgMax(1).ToArray<long>());
        Assert.Equal(new long[] { 0, 2 }, rows.ArgMin(1).ToArray<long>());
        Assert.Equal(new long[] { 1, 0 }, rows.Max(1).Indices.ToArray<long>());
        Assert.Equal(1L, rows.ArgMax().Item<long>());
        var cols = Tensor.From(new long[] { 5, 1, 5, 7, 2, 7 }, 3, 2);
        Assert.Equal(new long[] { 0, 1 }, cols.ArgMax(0).ToArray<long>());
        Assert.Equal(new long[] { 2, 0 }, cols.ArgMin(0).ToArray<long>());
        // Longer rows so the vectorised search sees ties in different vector lanes.
        var data = new float[100];
        data[37] = 9;
        data[38] = 9;
        data[90] = 9;
        Assert.Equal(37L, Tensor.From(data).ArgMax().Item<long>());
    }

    [Fact]
    public void MaxWithDimReturnsValuesAndIndices()
    {
        var x = Tensor.From(new float[] { 1, 3, 3, 2, 2, 0 }, 2, 3);
        var (values, indices) = x.Max(1);
        Assert.Equal(new float[] { 3, 2 }, values.ToArray<float>());
        Assert.Equal(new long[] { 1, 0 }, indices.ToArray<long>());
        var kept = x.Max(-1, keepDim: true);
        Assert.Equal(new[] { 2, 1 }, kept.Values.Shape.ToArray());
        Assert.Equal(new[] { 2, 1 }, kept.Indices.Shape.ToArray());
        var scalar = Tensor.Scalar(4.0).Max(0);
        Assert.Equal(4.0, scalar.Values.Item());
        Assert.Equal(0L, scalar.Indices.Item<long>());
    }

    [Fact]
    public void EmptyReductionsWithAnIdentity()
    {
        var empty = Tensor.Zeros([2, 0], DType.Float32);
        Assert.Equal(new float[] { 0, 0 }, empty.Sum(1).ToArray<float>());
        Assert.Equal(new float[] { 1, 1 }, empty.Prod(1).ToArray<float>());
        Assert.Equal(new[] { float.NegativeInfinity, float.NegativeInfinity }, empty.LogSumExp(1).ToArray<float>());
        Assert.Equal(new[] { true, true }, empty.All(1).ToArray<bool>());
        Assert.Equal(new[] { false, false }, empty.Any(1).ToArray<bool>());
        Assert.Equal(new long[] { 0, 0 }, empty.CountNonzero(1).ToArray<long>());
        Assert.True(double.IsNaN(empty.Var().Item()));
        Assert.Equal(0.0, empty.Sum().Item());
        // Reducing a non-empty dim of an empty tensor gives an empty result.
        Assert.Equal(new[] { 0 }, empty.Amax(0).Shape.ToArray());
    }

    [Fact]
    public void ExtremaOfEmptyGroupsThrow()
    {
        var empty = Tensor.Zeros([2, 0], DType.Float32);
        Assert.Contains("size 0", Assert.ThrowsAny<ArgumentException>(() => empty.Max(1)).Message);
        Assert.Contains("amax", Assert.ThrowsAny<ArgumentException>(() => empty.Max()).Message);
        Assert.Contains("argmax", Assert.ThrowsAny<ArgumentException>(() => empty.ArgMax()).Message);
        Assert.Contains("amin", Assert.ThrowsAny<ArgumentException>(() => empty.Amin(1)).Message);
    }

    [Fact]
    public void VarianceOfTooFewElementsIsNaN()
    {
        Assert.True(double.IsNaN(Tensor.From(new double[] { 3 }).Var().Item()));
        Assert.Equal(0.0, Tensor.From(new double[] { 3 }).Var(unbiased: false).Item());
        Assert.Equal(0.0, Tensor.From(new double[] { 2, 2 }).Std().Item());
        Assert.Equal(2.0 / 3.0, Tensor.From(new double[] { 1, 2, 3 }).Var(null, correction: 0).Item(), 12);
    }

    [Fact]
    public void VarianceIsAccurateForLargeOffsets()
    {
        // E[x²] − E[x]² would lose every digit here; the two-pass kernel must not.
        var x = Tensor.From(new float[] { 10000.1f, 10000.2f, 10000.3f });
        Assert.Equal(0.01, x.Var().Item(), 3);
        var cols = Tensor.From(new float[] { 10000.1f, 10000.2f, 10000.3f }, 3, 1).Expand(3, 4).Contiguous();
        Assert.All(cols.Var(0).ToDoubleArray(), v => Assert.Equal(0.01, v, 3));
    }

    [Fact]
    public void LogSumExpIsStableAndHandlesInfinities()
    {
        var big = Tensor.From(new float[] { 1000, 1000 });
        Assert.Equal(1000 + Math.Log(2), big.LogSumExp(0).Item(), 3);
        var allMinusInf = Tensor.From(new[] { double.NegativeInfinity, double.NegativeInfinity });
        Assert.Equal(double.NegativeInfinity, allMinusInf.LogSumExp(0).Item());
        Assert.Equal(double.PositiveInfinity, Tensor.From(new[] { double.PositiveInfinity, 1 }).LogSumExp(0).Item());
        Assert.True(double.IsNaN(Tensor.From(new[] { NaN, 1 }).LogSumExp(0).Item()));
    }

    [Fact]
    public void ProdHandlesZerosAndAllIsTrueForNaN()
    {
        Assert.Equal(0.0, Tensor.From(new double[] { 2, 0, 3 }).Prod().Item());
        Assert.True(Tensor.From(new[] { NaN, 1 }).All().Item<bool>());
        Assert.False(Tensor.From(new[] { -0.0, 0.0 }).Any().Item<bool>());
        Assert.Equal(new long[] { 2, 1 }, Tensor.From(new long[] { 1, 0, 2, 3 }, 2, 2).CountNonzero(0).ToArray<long>());
    }

    [Fact]
    public void GradientOfMaxWithDimGoesToTheIndexedElement()
    {
        // Like torch.max(x, dim): the whole gradient goes to the first of tied maxima.
        var x = Tensor.From(new double[] { 1, 3, 3, 2, -1, 2 }, 2, 3).RequiresGrad_();
        x.Max(1).Values.Sum().Backward();
        Assert.Equal(new double[] { 0, 1, 0, 1, 0, 0 }, x.Grad!.ToArray<double>());
    }

    [Fact]
    public void GradientOfAmaxIsSharedAmongTies()
    {
        var x = Tensor.From(new double[] { 1, 3, 3, 2, 2, 2 }, 2, 3).RequiresGrad_();
        x.Amax(1).Sum().Backward();
        Assert.Equal(new[] { 0, 0.5, 0.5, 1 / 3.0, 1 / 3.0, 1 / 3.0 }, x.Grad!.ToArray<double>());
        var y = Tensor.From(new double[] { 4, 1, 4 }).RequiresGrad_();
        y.Max().Backward();
        Assert.Equal(new[] { 0.5, 0, 0.5 }, y.Grad!.ToArray<double>());
    }

    [Fact]
    public void GradientOfProdWithZeros()
    {
        // PyTorch: d prod / dx for [2, 0, 3] is [0, 6, 0]; with two zeros every entry is 0.
        var x = Tensor.From(new double[] { 2, 0, 3 }).RequiresGrad_();
        x.Prod().Backward();
        Assert.Equal(new double[] { 0, 6, 0 }, x.Grad!.ToArray<double>());
        var z = Tensor.From(new double[] { 0, 5, 0 }).RequiresGrad_();
        z.Prod().Backward();
        Assert.Equal(new double[] { 0, 0, 0 }, z.Grad!.ToArray<double>());
    }

    [Fact]
    public void ContiguousViewsWithAnOffsetAreReducedInPlace()
    {
        // Rows 1..2 of a [4, 3] matrix: contiguous, starting at element 3.
        var x = Tensor.From(new double[] { 9, 9, 9, 1, 2, 3, 4, 5, 7, 9, 9, 9 }, 4, 3).Slice(0, 1, 3);
        Assert.True(x.IsContiguous);
        Assert.Equal(new double[] { 5, 7, 10 }, x.Sum(0).ToArray<double>());
        Assert.Equal(new double[] { 4, 5, 7 }, x.Amax(0).ToArray<double>());
        Assert.Equal(new long[] { 2, 2 }, x.ArgMax(1).ToArray<long>());
        var softmax = x.Softmax(0).ToArray<double>();
        Assert.Equal(1 / (1 + Math.Exp(3)), softmax[0], 12);
        Assert.Equal(1 / (1 + Math.Exp(-4)), softmax[5], 12);
    }
}
