using Avalon.Data;

namespace Avalon.Tests.Data;

public class SubsetAndRandomSplitTests
{
    private static TensorDataset Numbered(int n) =>
        new(Tensor.Arange(0L, n).Reshape(n, 1).To(DType.Float32), Tensor.Arange(0L, n));

    private static long Label(IDataset data, int i) => data.Get(i).Target.ToArray<long>()[0];

    [Fact]
    public void SubsetReturnsTheSamplesAtItsIndicesInOrder()
    {
        var subset = new Subset(Numbered(10), [7, 2, 2, 9]);
        Assert.Equal(4, subset.Count);
        Assert.Equal([7L, 2, 2, 9], Enumerable.Range(0, 4).Select(i => Label(subset, i)));
        Assert.Throws<ArgumentOutOfRangeException>(() => subset.Get(4));
    }

    [Fact]
    public void SubsetBatchesThroughTheDataLoaderMatchItsSamples()
    {
        var subset = new Subset(Numbered(10), [5, 1, 8]);
        var batch = new DataLoader(subset, batchSize: 3).Single();
        Assert.Equal([5L, 1, 8], batch.Target.ToArray<long>());
        Assert.Equal([5f, 1, 8], batch.Input.ToArray<float>());
    }

    [Fact]
    public void SubsetRejectsAnIndexOutsideTheDataset()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new Subset(Numbered(3), [0, 3]));
        Assert.Contains("Subset: index 1 is 3, outside the dataset's [0, 3)", error.Message);
    }

    [Fact]
    public void RandomSplitCoversTheDatasetOnceWithTheGivenLengths()
    {
        var parts = Datasets.RandomSplit(Numbered(100), [70, 20, 10], new Generator(3));
        Assert.Equal([70, 20, 10], parts.Select(p => p.Count));
        var all = parts.SelectMany(p => Enumerable.Range(0, p.Count).Select(i => Label(p, i))).ToArray();
        Assert.Equal(Enumerable.Range(0, 100).Select(i => (long)i), all.Order());
        Assert.NotEqual(Enumerable.Range(0, 70).Select(i => (long)i), all.Take(70)); // shuffled, not cut in order
    }

    [Fact]
    public void RandomSplitIsFixedByTheGeneratorSeed()
    {
        long[] Labels(ulong seed) => Datasets.RandomSplit(Numbered(50), [25, 25], new Generator(seed))[0].Indices.Select(i => (long)i).ToArray();
        Assert.Equal(Labels(5), Labels(5));
        Assert.NotEqual(Labels(5), Labels(6));
    }

    [Fact]
    public void FractionsHandTheRemainderOutRoundRobinAsPyTorchDoes()
    {
        // torch.utils.data.random_split(range(10), [0.33, 0.33, 0.34]): floors 3, 3, 3, remainder 1 to the first.
        var parts = Datasets.RandomSplit(Numbered(10), [0.33, 0.33, 0.34], new Generator(1));
        Assert.Equal([4, 3, 3], parts.Select(p => p.Count));
        var half = Datasets.RandomSplit(Numbered(7), [0.5, 0.5], new Generator(1));
        Assert.Equal([4, 3], half.Select(p => p.Count));
    }

    [Fact]
    public void BadLengthsAreClearErrors()
    {
        var sum = Assert.Throws<ArgumentException>(() => Datasets.RandomSplit(Numbered(10), [5, 4]));
        Assert.Contains("random_split: sum of input lengths [5, 4] is 9, which does not equal the length of the input dataset (10)", sum.Message);
        Assert.Contains("non-negative", Assert.Throws<ArgumentException>(() => Datasets.RandomSplit(Numbered(10), [11, -1])).Message);
        Assert.Contains("sum to 1", Assert.Throws<ArgumentException>(() => Datasets.RandomSplit(Numbered(10), [0.5, 0.4])).Message);
    }
}
