namespace Avalon.Tests.Tensors;

public class RandpermTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(1000)]
    public void HoldsEachIntegerBelowNOnce(int n)
    {
        var p = Tensor.Randperm(n, new Generator(42));
        Assert.Equal(DType.Int64, p.DType);
        Assert.Equal([n], p.Shape.ToArray());
        Assert.Equal(Enumerable.Range(0, n).Select(i => (long)i), p.ToArray<long>().Order());
    }

    [Fact]
    public void TheGeneratorFixesThePermutation()
    {
        Assert.Equal(Tensor.Randperm(50, new Generator(7)).ToArray<long>(), Tensor.Randperm(50, new Generator(7)).ToArray<long>());
        Assert.NotEqual(Tensor.Randperm(50, new Generator(7)).ToArray<long>(), Tensor.Randperm(50, new Generator(8)).ToArray<long>());
    }

    [Fact]
    public void EveryPositionIsEquallyLikely()
    {
        // 3! = 6 orders over 6,000 draws: each near 1,000 (a fixed permutation or a biased shuffle fails).
        var generator = new Generator(11);
        var counts = new Dictionary<string, int>();
        for (int i = 0; i < 6000; i++)
        {
            var key = string.Join(",", Tensor.Randperm(3, generator).ToArray<long>());
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        Assert.Equal(6, counts.Count);
        Assert.All(counts.Values, c => Assert.InRange(c, 880, 1120));
    }

    [Fact]
    public void OtherIntegerDTypesAndBadArguments()
    {
        Assert.Equal(DType.Int32, Tensor.Randperm(5, dtype: DType.Int32).DType);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.Randperm(-1));
        Assert.Contains("randperm: expected an integer dtype", Assert.Throws<ArgumentException>(() => Tensor.Randperm(3, dtype: DType.Float32)).Message);
    }
}
