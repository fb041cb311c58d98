using Avalon.Autodiff;
using Avalon.Nn;
using Avalon.Primitives;
using Avalon.Primitives.Pooling;

namespace Avalon.Tests.Primitives.Pooling;

/// <summary>
/// Max pooling is one call with two outputs, the maxima and their positions, and its rule scatters at the
/// positions the call returned: gradients against a naive float64 scatter, a replayed tape on new inputs
/// (which computes the positions of its own input), the values-only primitive used when nothing
/// differentiates, and the indices carrying no gradient.
/// </summary>
public sealed class MaxPoolWithIndicesTests
{
    private static readonly Attributes s_pool2 = Attributes.Of(("kernel_size", new[] { 2, 2 }), ("stride", new[] { 2, 2 }),
        ("padding", new[] { 0, 0 }), ("dilation", new[] { 1, 1 }), ("ceil_mode", false));

    /// <summary>d/dx of sum(maxpool2x2(x) · w), first maximum of each window, naively in float64.</summary>
    private static double[] NaiveGrad(double[] x, int planes, int h, int w, double[] weight)
    {
        int oh = h / 2, ow = w / 2;
        var g = new double[x.Length];
        for (int p = 0; p < planes; p++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            int best = -1;
            for (int a = 0; a < 2; a++)
            for (int e = 0; e < 2; e++)
            {
                int at = p * h * w + (2 * i + a) * w + 2 * j + e;
                if (best < 0 || x[at] > x[best]) best = at;
            }
            g[best] += weight[(p * oh + i) * ow + j];
        }
        return g;
    }

    private static Tensor Distinct(int seed, params int[] shape) => Tensor.Randn(shape, new Generator((ulong)seed), DType.Float64);

    [Theory]
    [InlineData(1, 8, 16)]
    [InlineData(2, 5, 19)]
    [InlineData(1, 24, 24)]
    public void EagerGradientMatchesNaiveScatter(int n, int h, int w)
    {
        var x = Distinct(11, n, 3, h, w).RequiresGrad_();
        var weight = Distinct(12, n, 3, h / 2, w / 2);
        (Functional.MaxPool2d(x, 2) * weight).Sum().Backward();
        var expected = NaiveGrad(x.ToDoubleArray(), n * 3, h, w, weight.ToDoubleArray());
        Assert.Equal(expected, x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void ReplayedTapeComputesTheIndicesOfItsNewInput()
    {
        var weight = Distinct(21, 2, 3, 4, 10);
        Func<Tensor[], Tensor> f = a => (Functional.MaxPool2d(a[0], 2) * weight).Sum();
        var x1 = Distinct(22, 2, 3, 8, 20);
        var x2 = Distinct(23, 2, 3, 8, 20);
        var recorded = Grad.Of(f, x1);
        var text = recorded.Tape.ToString();
        Assert.Matches(@"%\d+, %\d+ = max_pool_with_indices\(", text);
        Assert.DoesNotContain("max_pool(", text);
        var replay = recorded.Tape.Run(x2);
        var expected = NaiveGrad(x2.ToDoubleArray(), 6, 8, 20, weight.ToDoubleArray());
        Assert.NotEqual(expected, NaiveGrad(x1.ToDoubleArray(), 6, 8, 20, weight.ToDoubleArray()));
        Assert.Equal(expected, replay[1].ToDoubleArray());
        // Replaying again while recording on a new tape agrees too.
        var again = Grad.Of(a => recorded.Tape.Run(a)[0], x2);
        Assert.Equal(expected, again.Gradient.ToDoubleArray());
    }

    [Fact]
    public void BothOutputsComeFromOnePassAndMatchTheValuesOnlyPrimitive()
    {
        var x = Distinct(31, 2, 3, 7, 9);
        var outputs = PoolingPrimitives.MaxPoolWithIndices.InvokeMany(s_pool2, x);
        Assert.Equal(2, outputs.Length);
        Assert.Equal(DType.Float64, outputs[0].DType);
        Assert.Equal(DType.Int64, outputs[1].DType);
        Assert.Equal([2, 3, 3, 4], outputs[1].Shape.ToArray());
        Assert.Equal(PoolingPrimitives.MaxPool.Invoke(s_pool2, x).ToDoubleArray(), outputs[0].ToDoubleArray());
        Assert.Equal(outputs[0].ToDoubleArray(), PoolingPrimitives.MaxPoolGather.Invoke(Attributes.Empty, x, outputs[1]).ToDoubleArray());
        var (values, indices) = Functional.MaxPool2dWithIndices(x, 2);
        Assert.Equal(outputs[0].ToDoubleArray(), values.ToDoubleArray());
        Assert.Equal(outputs[1].ToArray<long>(), indices.ToArray<long>());
        Assert.Throws<InvalidOperationException>(() => PoolingPrimitives.MaxPoolWithIndices.Invoke(s_pool2, x));
    }

    [Fact]
    public void InferenceComputesTheValuesAloneAndTheyAgree()
    {
        var x = Distinct(33, 1, 2, 6, 18);
        Tensor inference;
        using (new NoGrad()) inference = Functional.MaxPool2d(x.Detach().RequiresGrad_(), 2);
        Assert.False(inference.RequiresGrad);
        var traced = Grad.Of((Func<Tensor[], Tensor>)(a => Functional.MaxPool2d(a[0], 2).Sum()), x);
        Assert.Contains("max_pool_with_indices(", traced.Tape.ToString());
        Assert.Equal(Functional.MaxPool2dWithIndices(x, 2).Values.ToDoubleArray(), inference.ToDoubleArray());
    }

    [Fact]
    public void ValuesOnlyPrimitiveRuleSearchesThePositionsAgain()
    {
        var x = Distinct(35, 2, 3, 8, 6).RequiresGrad_();
        var weight = Distinct(36, 2, 3, 4, 3);
        (PoolingPrimitives.MaxPool.Invoke(s_pool2, x) * weight).Sum().Backward();
        Assert.Equal(NaiveGrad(x.ToDoubleArray(), 6, 8, 6, weight.ToDoubleArray()), x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void IndicesCarryNoGradient()
    {
        var x = Distinct(37, 1, 2, 4, 6).RequiresGrad_();
        var (values, indices) = Functional.MaxPool2dWithIndices(x, 2);
        Assert.True(values.RequiresGrad);
        Assert.False(indices.RequiresGrad);
        // Only the values' gradient reaches x, at the positions the indices name.
        values.Sum().Backward();
        var expected = new double[x.Numel];
        var idx = indices.ToArray<long>();
        for (int i = 0; i < idx.Length; i++) expected[i / 6 * 24 + idx[i]] += 1;
        Assert.Equal(expected, x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void AdaptiveMaxPoolGradientUsesTheBinMaxima()
    {
        var x = Distinct(41, 2, 3, 7, 9).RequiresGrad_();
        Functional.AdaptiveMaxPool2d(x, [3, 4]).Sum().Backward();
        var (_, indices) = Functional.AdaptiveMaxPool2dWithIndices(x.Detach(), [3, 4]);
        var expected = new double[x.Numel];
        var idx = indices.ToArray<long>();
        for (int i = 0; i < idx.Length; i++) expected[i / 12 * 63 + idx[i]] += 1;
        Assert.Equal(expected, x.Grad!.ToDoubleArray());
    }

    [Fact]
    public void IntegerInputIsRejectedNamingMaxPool()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            PoolingPrimitives.MaxPoolWithIndices.InvokeMany(s_pool2, Tensor.Zeros([1, 1, 4, 4], DType.Int64)));
        Assert.Contains("max_pool", ex.Message);
        Assert.Contains("floating-point", ex.Message);
        var adaptive = Assert.Throws<ArgumentException>(() =>
            PoolingPrimitives.AdaptiveMaxPoolWithIndices.InvokeMany(Attributes.Of(("output_size", new[] { 2, 2 })), Tensor.Zeros([1, 1, 4, 4], DType.Int32)));
        Assert.Contains("adaptive_max_pool", adaptive.Message);
    }
}
