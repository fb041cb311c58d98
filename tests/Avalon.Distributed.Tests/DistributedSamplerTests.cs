namespace Avalon.Distributed.Tests;

public sealed class DistributedSamplerTests
{
    private static int[][] Shards(int n, int replicas, bool shuffle, ulong seed = 0, int epoch = 0, bool dropLast = false) =>
        [.. Enumerable.Range(0, replicas).Select(r =>
        {
            var s = new DistributedSampler(n, replicas, r, shuffle, seed, dropLast);
            s.SetEpoch(epoch);
            return s.Indices();
        })];

    [Theory]
    [InlineData(12, 3, false)]
    [InlineData(12, 3, true)]
    [InlineData(1000, 4, true)]
    [InlineData(7, 7, true)]
    public void ShardsOfAnEvenSplitAreDisjointAndCoverTheData(int n, int replicas, bool shuffle)
    {
        var shards = Shards(n, replicas, shuffle, seed: 5);
        Assert.All(shards, s => Assert.Equal(n / replicas, s.Length));
        var all = shards.SelectMany(s => s).ToArray();
        Assert.Equal(n, all.Distinct().Count());
        Assert.Equal(Enumerable.Range(0, n), all.Order());
    }

    [Fact]
    public void AnUnevenSplitIsPaddedByRepeatingTheStartAsPyTorch()
    {
        // PyTorch (shuffle=False): indices 0..9 padded with 0, 1 to 12, rank r takes indices[r::3].
        var shards = Shards(10, 3, shuffle: false);
        Assert.Equal([0, 3, 6, 9], shards[0]);
        Assert.Equal([1, 4, 7, 0], shards[1]);
        Assert.Equal([2, 5, 8, 1], shards[2]);
        Assert.Equal(Enumerable.Range(0, 10), shards.SelectMany(s => s).Distinct().Order());
    }

    [Fact]
    public void DropLastDropsTheTailAndKeepsShardsDisjoint()
    {
        var shards = Shards(10, 3, shuffle: true, seed: 2, dropLast: true);
        Assert.All(shards, s => Assert.Equal(3, s.Length));
        var all = shards.SelectMany(s => s).ToArray();
        Assert.Equal(9, all.Distinct().Count());
        Assert.Equal(3 * 3, new DistributedSampler(10, 3, 0, dropLast: true).TotalSize);
    }

    [Fact]
    public void TheShuffleDependsOnSeedAndEpochAndIsTheSameOnEveryProcess()
    {
        var epoch0 = Shards(100, 2, shuffle: true, seed: 1, epoch: 0);
        Assert.Equal(epoch0[0], Shards(100, 2, shuffle: true, seed: 1, epoch: 0)[0]);
        Assert.NotEqual(epoch0[0], Shards(100, 2, shuffle: true, seed: 1, epoch: 1)[0]);
        Assert.NotEqual(epoch0[0], Shards(100, 2, shuffle: true, seed: 2, epoch: 0)[0]);
        Assert.NotEqual(Enumerable.Range(0, 50).Select(i => 2 * i), epoch0[0]);
    }

    [Fact]
    public void InvalidArgumentsAreRefusedWithTheirValues()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(10, 2, 2));
        Assert.Contains("invalid rank 2", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(10, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DistributedSampler(-1, 2, 0));
    }
}
