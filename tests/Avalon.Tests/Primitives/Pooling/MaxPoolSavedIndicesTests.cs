using Avalon.Autodiff;
using Avalon.Nn;
using Avalon.Primitives;
using Avalon.Primitives.Pooling;

namespace Avalon.Tests.Primitives.Pooling;

/// <summary>
/// Max pooling's rule reuses the argmax positions its forward kept: gradients against a naive float64
/// scatter, a replayed tape on new inputs (which must not see the positions of the recorded run), and a
/// forward output paired with another input.
/// </summary>
public sealed class MaxPoolSavedIndicesTests
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
        Assert.Contains("max_pool_indices(", recorded.Tape.ToString());
        var replay = recorded.Tape.Run(x2);
        var expected = NaiveGrad(x2.ToDoubleArray(), 6, 8, 20, weight.ToDoubleArray());
        Assert.NotEqual(expected, NaiveGrad(x1.ToDoubleArray(), 6, 8, 20, weight.ToDoubleArray()));
        Assert.Equal(expected, replay[1].ToDoubleArray());
        // Replaying again while recording on a new tape (so the forward keeps its positions) agrees too.
        var again = Grad.Of(a => recorded.Tape.Run(a)[0], x2);
        Assert.Equal(expected, again.Gradient.ToDoubleArray());
    }

    [Fact]
    public void OutputPairedWithAnotherInputIsSearchedAgain()
    {
        var x1 = Distinct(31, 1, 2, 6, 18).RequiresGrad_();
        var x2 = Distinct(32, 1, 2, 6, 18).RequiresGrad_();
        var y1 = PoolingPrimitives.MaxPool.Invoke(s_pool2, x1);
        var fresh = PoolingPrimitives.MaxPoolIndices.Invoke(s_pool2, x2).ToArray<long>();
        Assert.Equal(fresh, PoolingPrimitives.MaxPoolIndices.Invoke(s_pool2, x2, y1).ToArray<long>());
        var own = PoolingPrimitives.MaxPoolIndices.Invoke(s_pool2, x1).ToArray<long>();
        Assert.NotEqual(own, fresh);
        Assert.Equal(own, PoolingPrimitives.MaxPoolIndices.Invoke(s_pool2, x1, y1).ToArray<long>());
        // Taken once; a second request searches again and still agrees.
        Assert.Equal(own, PoolingPrimitives.MaxPoolIndices.Invoke(s_pool2, x1, y1).ToArray<long>());
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
    public void ForwardOutputOfTheWrongShapeIsRejected()
    {
        var x = Distinct(51, 1, 2, 6, 8);
        var ex = Assert.Throws<ArgumentException>(() => PoolingPrimitives.MaxPoolIndices.Invoke(s_pool2, x, Distinct(52, 1, 2, 3, 3)));
        Assert.Contains("max_pool_indices", ex.Message);
        Assert.Contains("[1, 2, 3, 4]", ex.Message);
    }
}
