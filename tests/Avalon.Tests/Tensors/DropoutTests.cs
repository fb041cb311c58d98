using Avalon.Autodiff;

namespace Avalon.Tests.Tensors;

public class DropoutTests
{
    [Fact]
    public void SameSeedGivesSameMaskAndScalesSurvivors()
    {
        var x = Tensor.Ones([50, 40]);
        var a = x.Dropout(0.3, training: true, new Generator(7)).ToArray<float>();
        var b = x.Dropout(0.3, training: true, new Generator(7)).ToArray<float>();
        var c = x.Dropout(0.3, training: true, new Generator(8)).ToArray<float>();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.All(a, v => Assert.True(v == 0 || Math.Abs(v - 1 / 0.7f) < 1e-6, $"value {v}"));
        double dropped = a.Count(v => v == 0) / (double)a.Length;
        Assert.InRange(dropped, 0.25, 0.35);   // 2000 draws: 0.3 ± 5 standard deviations
    }

    [Fact]
    public void MaskFollowsTheCounterStreamOfTheGeneratorsNextSeed()
    {
        long seed = (long)new Generator(3).NextUInt64();
        ulong key = Avalon.Primitives.Random.CounterRandom.Key(seed);
        var expected = Enumerable.Range(0, 10)
            .Select(i => Avalon.Primitives.Random.CounterRandom.UniformDouble(Avalon.Primitives.Random.CounterRandom.Bits(key, i)) < 0.5 ? 0.0 : 2.0)
            .ToArray();
        var y = Tensor.Ones([2, 5], DType.Float64).Dropout(0.5, true, new Generator(3));
        Assert.Equal(expected, y.ToArray<double>());
    }

    [Fact]
    public void IdentityInEvalOrWithZeroProbability()
    {
        var x = Tensor.Randn([3, 4]);
        Assert.Same(x, x.Dropout(0.5, training: false));
        Assert.Same(x, x.Dropout(0, training: true));
    }

    [Fact]
    public void ProbabilityOneGivesZeros()
    {
        var x = Tensor.Randn([3, 4], new Generator(1), DType.Float64);
        Assert.All(x.Dropout(1, true, new Generator(1)).ToArray<double>(), v => Assert.Equal(0, v));
    }

    [Fact]
    public void GradientIsTheMask()
    {
        var x = Tensor.Randn([6, 7], new Generator(2), DType.Float64);
        var r = Grad.Of(a => a.Dropout(0.4, true, new Generator(5)).Sum(), x);
        var mask = Tensor.Ones([6, 7], DType.Float64).Dropout(0.4, true, new Generator(5));
        Assert.Equal(mask.ToArray<double>(), r.Gradient.ToArray<double>());
    }

    [Fact]
    public void SizeZeroAndScalar()
    {
        Assert.Equal([0, 3], Tensor.Zeros(0, 3).Dropout(0.5, true, new Generator(1)).Shape.ToArray());
        var s = Tensor.Scalar(2.0, DType.Float64).Dropout(0.5, true, new Generator(1));
        Assert.Equal(0, s.Rank);
        Assert.Contains(s.Item(), new[] { 0.0, 4.0 });
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void RejectsBadProbability(double p)
    {
        var e = Assert.Throws<ArgumentException>(() => Tensor.Ones(2).Dropout(p));
        Assert.Contains("dropout: probability has to be between 0 and 1", e.Message);
    }
}
