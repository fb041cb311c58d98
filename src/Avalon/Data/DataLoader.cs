using System.Collections;
using System.Collections.Concurrent;

namespace Avalon.Data;

/// <summary>
/// Iterates over a dataset in batches (PyTorch's <c>DataLoader</c>): optional seeded shuffling,
/// <c>drop_last</c>, stacking of samples into batch tensors, and background preparation of the next
/// batch while the current one is used.
/// </summary>
/// <remarks>
/// <para>Each enumeration is one epoch. With <see cref="Shuffle"/>, the epoch's order is drawn from
/// the generator when the enumeration starts, on the calling thread, so the same seed gives the same
/// sequence of epochs, and prefetching never changes which samples land in which batch.</para>
/// <para>With <see cref="Prefetch"/>, one worker task builds batches ahead into a queue of at most
/// two; it stops when the enumeration is disposed (for example on <c>break</c>) or cancelled. An
/// exception thrown while building a batch is rethrown by <c>MoveNext</c> at that batch's place.</para>
/// <para>The shuffle is a Fisher–Yates permutation drawn from <see cref="Generator"/>; it does not
/// reproduce PyTorch's <c>randperm</c> sequence.</para>
/// </remarks>
/// <example>
/// <code>
/// var loader = new DataLoader(new FashionMnistDataset(DatasetSplit.Train), batchSize: 64, shuffle: true, generator: new Generator(0));
/// foreach (var (images, labels) in loader) { /* images [64, 1, 28, 28], labels [64] */ }
/// </code>
/// </example>
public sealed class DataLoader : IEnumerable<Batch>
{
    private const int QueueCapacity = 2;
    private readonly Generator _generator;

    /// <summary>Creates a loader.</summary>
    /// <param name="dataset">The samples to iterate over.</param>
    /// <param name="batchSize">The number of samples per batch (the last may be smaller unless <paramref name="dropLast"/>). Default 1.</param>
    /// <param name="shuffle">Whether to visit the samples in a new random order each epoch. Default <see langword="false"/>.</param>
    /// <param name="dropLast">Whether to skip a last batch smaller than <paramref name="batchSize"/>. Default <see langword="false"/>.</param>
    /// <param name="generator">The generator that draws the shuffle order. Default <see cref="Generator.Default"/>.</param>
    /// <param name="prefetch">Whether to build the next batch on a worker task while the current one is used. Default <see langword="true"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batchSize"/> is not positive.</exception>
    public DataLoader(IDataset dataset, int batchSize = 1, bool shuffle = false, bool dropLast = false, Generator? generator = null, bool prefetch = true)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        if (batchSize <= 0)
            throw OpErrors.OutOfRange("DataLoader", nameof(batchSize), batchSize, $"batch_size should be a positive integer, got {batchSize}.");
        Dataset = dataset;
        BatchSize = batchSize;
        Shuffle = shuffle;
        DropLast = dropLast;
        Prefetch = prefetch;
        _generator = generator ?? Generator.Default;
    }

    /// <summary>The dataset being iterated.</summary>
    public IDataset Dataset { get; }

    /// <summary>The number of samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch visits the samples in a new random order.</summary>
    public bool Shuffle { get; }

    /// <summary>Whether a last, smaller batch is skipped.</summary>
    public bool DropLast { get; }

    /// <summary>Whether batches are built ahead on a worker task.</summary>
    public bool Prefetch { get; }

    /// <summary>The number of batches per epoch (PyTorch's <c>len(loader)</c>).</summary>
    public int Count => DropLast ? Dataset.Count / BatchSize : (Dataset.Count + BatchSize - 1) / BatchSize;

    /// <summary>Starts an epoch.</summary>
    public IEnumerator<Batch> GetEnumerator() => GetEnumerator(CancellationToken.None);

    /// <summary>Starts an epoch that stops with <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.</summary>
    /// <param name="cancellationToken">Stops the epoch (and its worker) when cancelled.</param>
    public IEnumerator<Batch> GetEnumerator(CancellationToken cancellationToken)
    {
        int[] order = NextOrder();
        return Prefetch
            ? new PrefetchingEnumerator(this, order, cancellationToken)
            : new SynchronousEnumerator(this, order, cancellationToken);
    }

    /// <summary>One epoch that observes <paramref name="cancellationToken"/>, for <c>foreach</c>.</summary>
    /// <param name="cancellationToken">Stops the epoch (and its worker) when cancelled.</param>
    public IEnumerable<Batch> WithCancellation(CancellationToken cancellationToken) => new CancellableEpoch(this, cancellationToken);

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>The sample order of the next epoch: identity, or a Fisher–Yates shuffle drawn from the generator.</summary>
    internal int[] NextOrder()
    {
        int n = Dataset.Count;
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        if (Shuffle)
        {
            for (int i = n - 1; i > 0; i--)
            {
                int j = (int)_generator.NextInt64(0, i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        return order;
    }

    private Batch BuildBatch(int[] order, int batchIndex)
    {
        int start = batchIndex * BatchSize;
        int size = Math.Min(BatchSize, order.Length - start);
        var indices = order.AsSpan(start, size).ToArray();
        if (Dataset is IBatchGatherer { CanGather: true } gatherer)
        {
            return new Batch(gatherer.Gather(indices), indices);
        }
        var samples = new Sample[size];
        for (int i = 0; i < size; i++)
        {
            samples[i] = Dataset.Get(indices[i])
                ?? throw OpErrors.State("DataLoader", $"{Dataset.GetType().Name}.Get({indices[i]}) returned null.");
        }
        return new Batch(Collate.Stack(samples, indices), indices);
    }

    private sealed class CancellableEpoch(DataLoader loader, CancellationToken token) : IEnumerable<Batch>
    {
        public IEnumerator<Batch> GetEnumerator() => loader.GetEnumerator(token);

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class SynchronousEnumerator(DataLoader loader, int[] order, CancellationToken token) : IEnumerator<Batch>
    {
        private readonly int _batchCount = loader.Count;
        private int _next;
        private Batch? _current;

        public Batch Current => _current ?? throw OpErrors.State("DataLoader", "Current was read before MoveNext.");

        object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            token.ThrowIfCancellationRequested();
            if (_next >= _batchCount)
            {
                _current = null;
                return false;
            }
            _current = loader.BuildBatch(order, _next++);
            return true;
        }

        public void Reset() => throw OpErrors.NotSupported("DataLoader", "an epoch cannot be reset; start a new enumeration.");

        public void Dispose() { }
    }

    private sealed class PrefetchingEnumerator : IEnumerator<Batch>
    {
        private readonly DataLoader _loader;
        private readonly int[] _order;
        private readonly CancellationToken _token;
        private readonly CancellationTokenSource _stop;
        private readonly BlockingCollection<Batch> _queue = new(QueueCapacity);
        private Task? _worker;
        private Exception? _workerError;
        private Batch? _current;
        private bool _disposed;

        public PrefetchingEnumerator(DataLoader loader, int[] order, CancellationToken token)
        {
            _loader = loader;
            _order = order;
            _token = token;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(token);
        }

        public Batch Current => _current ?? throw OpErrors.State("DataLoader", "Current was read before MoveNext.");

        object IEnumerator.Current => Current;

        public bool MoveNext()
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _token.ThrowIfCancellationRequested();
            _worker ??= Task.Run(Produce);
            if (_queue.TryTake(out var batch, Timeout.Infinite, _token))
            {
                _current = batch;
                return true;
            }
            _current = null;
            if (_workerError is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(_workerError);
            }
            _token.ThrowIfCancellationRequested();
            return false;
        }

        private void Produce()
        {
            var stop = _stop.Token;
            try
            {
                int count = _loader.Count;
                for (int b = 0; b < count && !stop.IsCancellationRequested; b++)
                {
                    _queue.Add(_loader.BuildBatch(_order, b), stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The consumer stopped the epoch: nothing is waiting for the remaining batches.
            }
            catch (Exception ex)
            {
                _workerError = ex;
            }
            finally
            {
                _queue.CompleteAdding();
            }
        }

        public void Reset() => throw OpErrors.NotSupported("DataLoader", "an epoch cannot be reset; start a new enumeration.");

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            _stop.Cancel();
            try
            {
                _worker?.Wait();
            }
            catch (AggregateException)
            {
                // Produce catches everything; a failure here could only come from the task machinery.
            }
            _queue.Dispose();
            _stop.Dispose();
        }
    }
}
