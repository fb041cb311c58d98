using Avalon.Data;

namespace Avalon.Tests.Data;

public class DataLoaderTests
{
    /// <summary>Inputs [n, 2, 3] where sample i holds i*10 + 0..5, targets [n] = i.</summary>
    private static TensorDataset Numbered(int n)
    {
        var inputs = new float[n * 6];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = i / 6 * 10 + i % 6;
        var targets = new long[n];
        for (int i = 0; i < n; i++) targets[i] = i;
        return new TensorDataset(Tensor.From(inputs, n, 2, 3), Tensor.From(targets, n));
    }

    private static List<long[]> TargetsPerBatch(DataLoader loader)
    {
        var batches = new List<long[]>();
        foreach (var (_, target) in loader) batches.Add(target.ToArray<long>());
        return batches;
    }

    [Fact]
    public void SequentialOrderAndBatchShapes()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4);
        Assert.Equal(3, loader.Count);
        var batches = loader.ToList();
        Assert.Equal(3, batches.Count);
        Assert.Equal([4, 2, 3], batches[0].Input.Shape.ToArray());
        Assert.Equal([2, 2, 3], batches[2].Input.Shape.ToArray());
        Assert.Equal([0L, 1, 2, 3], batches[0].Target.ToArray<long>());
        Assert.Equal([8L, 9], batches[2].Target.ToArray<long>());
        // Row b of the stacked input is sample Indices[b].
        var input = batches[1].Input.ToArray<float>();
        for (int b = 0; b < 4; b++)
            for (int k = 0; k < 6; k++)
                Assert.Equal((4 + b) * 10 + k, input[b * 6 + k]);
        Assert.Equal([4, 5, 6, 7], batches[1].Indices);
    }

    [Fact]
    public void DropLastSkipsThePartialBatch()
    {
        var loader = new DataLoader(Numbered(10), batchSize: 4, dropLast: true);
        Assert.Equal(2, loader.Count);
        var batches = TargetsPerBatch(loader);
        Assert.Equal(2, batches.Count);
        Assert.All(batches, b => Assert.Equal(4, b.Length));

        Assert.Equal(2, new DataLoader(Numbered(8), batchSize: 4, dropLast: true).Count);
        Assert.Empty(new DataLoader(Numbered(3), batchSize: 4, dropLast: true).ToList());
    }

    [Fact]
    public void SameSeedGivesSameOrderAndShuffleCoversEverySample()
    {
        var a = new DataLoader(Numbered(50), batchSize: 7, shuffle: true, generator: new Generator(123));
        var b = new DataLoader(Numbered(50), batchSize: 7, shuffle: true, generator: new Generator(123));
        var epochA1 = TargetsPerBatch(a).SelectMany(x => x).ToArray();
        var epochA2 = TargetsPerBatch(a).SelectMany(x => x).ToArray();
        var epochB1 = TargetsPerBatch(b).SelectMany(x => x).ToArray();
        var epochB2 = TargetsPerBatch(b).SelectMany(x => x).ToArray();

        Assert.Equal(epochA1, epochB1);
        Assert.Equal(epochA2, epochB2);
        Assert.NotEqual(epochA1, epochA2); // each epoch draws a new order
        Assert.NotEqual(Enumerable.Range(0, 50).Select(i => (long)i), epochA1);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), epochA1.Order());
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), epochA2.Order());

        var other = new DataLoader(Numbered(50), batchSize: 7, shuffle: true, generator: new Generator(124));
        Assert.NotEqual(epochA1, TargetsPerBatch(other).SelectMany(x => x).ToArray());
    }

    [Fact]
    public void ShuffleIsRoughlyUniform()
    {
        // Position of sample 0 over many epochs of 4 samples: each of the 4 places about 1/4 of the time.
        var loader = new DataLoader(Numbered(4), batchSize: 4, shuffle: true, generator: new Generator(7), prefetch: false);
        var counts = new int[4];
        for (int epoch = 0; epoch < 4000; epoch++)
        {
            var order = loader.First().Target.ToArray<long>();
            counts[Array.IndexOf(order, 0L)]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 850, 1150));
    }

    [Fact]
    public void PrefetchDoesNotChangeResults()
    {
        var withPrefetch = new DataLoader(Numbered(37), batchSize: 5, shuffle: true, generator: new Generator(9), prefetch: true);
        var without = new DataLoader(Numbered(37), batchSize: 5, shuffle: true, generator: new Generator(9), prefetch: false);
        for (int epoch = 0; epoch < 3; epoch++)
        {
            var x = withPrefetch.ToList();
            var y = without.ToList();
            Assert.Equal(y.Count, x.Count);
            for (int i = 0; i < x.Count; i++)
            {
                Assert.Equal(y[i].Indices, x[i].Indices);
                Assert.Equal(y[i].Input.ToArray<float>(), x[i].Input.ToArray<float>());
                Assert.Equal(y[i].Target.ToArray<long>(), x[i].Target.ToArray<long>());
            }
        }
    }

    [Fact]
    public void GenericCollationMatchesFastPath()
    {
        var fast = Numbered(11);
        var slow = new PerSampleDataset(fast);
        var a = new DataLoader(fast, batchSize: 4, shuffle: true, generator: new Generator(3)).ToList();
        var b = new DataLoader(slow, batchSize: 4, shuffle: true, generator: new Generator(3)).ToList();
        Assert.Equal(a.Count, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Input.Shape, b[i].Input.Shape);
            Assert.Equal(a[i].Input.ToArray<float>(), b[i].Input.ToArray<float>());
            Assert.Equal(a[i].Target.Shape, b[i].Target.Shape);
            Assert.Equal(a[i].Target.ToArray<long>(), b[i].Target.ToArray<long>());
        }
    }

    [Fact]
    public void BreakingOutEarlyStopsTheWorker()
    {
        var dataset = new CountingDataset(1000);
        var loader = new DataLoader(dataset, batchSize: 10);
        foreach (var batch in loader)
        {
            if (batch.Indices[0] >= 20) break;
        }
        // The enumerator's Dispose waits for the worker, so the count is final: at most the batches
        // consumed plus the queue and one batch in the making.
        int seen = dataset.Calls;
        Assert.InRange(seen, 30, 30 + 3 * 10);
        Thread.Sleep(50);
        Assert.Equal(seen, dataset.Calls);
    }

    [Fact]
    public void CancellationStopsTheEpoch()
    {
        using var cts = new CancellationTokenSource();
        var loader = new DataLoader(Numbered(100), batchSize: 10);
        int batches = 0;
        Assert.Throws<OperationCanceledException>(() =>
        {
            foreach (var _ in loader.WithCancellation(cts.Token))
            {
                if (++batches == 3) cts.Cancel();
            }
        });
        Assert.Equal(3, batches);
    }

    [Fact]
    public void WorkerExceptionSurfacesAtItsBatch()
    {
        var loader = new DataLoader(new FailingDataset(20, failAt: 13), batchSize: 5);
        int good = 0;
        var ex = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (var _ in loader) good++;
        });
        Assert.Equal("sample 13 is broken", ex.Message);
        Assert.Equal(2, good);
    }

    [Fact]
    public void MismatchedSampleShapesAreReported()
    {
        var loader = new DataLoader(new RaggedDataset(), batchSize: 2, prefetch: false);
        var ex = Assert.Throws<InvalidOperationException>(() => loader.ToList());
        Assert.Contains("shape [3]", ex.Message);
        Assert.Contains("shape [2]", ex.Message);
    }

    [Fact]
    public void TensorDatasetRejectsDifferentLengths()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TensorDataset(Tensor.Zeros(3, 2), Tensor.Zeros(4)));
        Assert.Contains("size mismatch", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(Numbered(2), batchSize: 0));
    }

    [Fact]
    public void TensorDatasetGetSlicesRows()
    {
        var data = Numbered(3);
        var (x, y) = data.Get(2);
        Assert.Equal([2, 3], x.Shape.ToArray());
        Assert.Equal([20f, 21, 22, 23, 24, 25], x.ToArray<float>());
        Assert.Equal(0, y.Rank);
        Assert.Equal(2L, y.Item<long>());
    }

    private sealed class PerSampleDataset(IDataset inner) : IDataset
    {
        public int Count => inner.Count;

        public Sample Get(int index) => inner.Get(index);
    }

    private sealed class CountingDataset(int count) : IDataset
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public int Count => count;

        public Sample Get(int index)
        {
            Interlocked.Increment(ref _calls);
            return new Sample(Tensor.From(new float[] { index }));
        }
    }

    private sealed class FailingDataset(int count, int failAt) : IDataset
    {
        public int Count => count;

        public Sample Get(int index) => index == failAt
            ? throw new InvalidOperationException($"sample {index} is broken")
            : new Sample(Tensor.From(new float[] { index }), Tensor.Scalar(index, DType.Int64));
    }

    private sealed class RaggedDataset : IDataset
    {
        public int Count => 2;

        public Sample Get(int index) => new(Tensor.Zeros(index == 0 ? 3 : 2));
    }
}
