namespace Avalon.Distributed;

/// <summary>
/// The indices of one process's share of a dataset (PyTorch's <c>DistributedSampler</c>): each epoch the
/// indices are permuted alike on every process (seeded by <see cref="Seed"/> + the epoch set with
/// <see cref="SetEpoch"/>) and rank <c>r</c> takes every <see cref="NumReplicas"/>-th from position <c>r</c>.
/// </summary>
/// <remarks>
/// <para>Every shard has the same length, so every process runs the same number of steps: without
/// <see cref="DropLast"/> the index list is padded by repeating its start (<c>ceil(N / replicas)</c> per
/// shard, a few samples seen twice); with it the tail is dropped (<c>floor(N / replicas)</c>). The
/// permutation is a Fisher–Yates shuffle drawn from <see cref="Generator"/>; it does not reproduce
/// PyTorch's <c>randperm</c> numbers.</para>
/// <para>Call <see cref="SetEpoch"/> at the start of each epoch, or every epoch repeats the same order.</para>
/// </remarks>
/// <example>
/// <code>
/// var sampler = new DistributedSampler(train.Count, group.WorldSize, group.Rank, shuffle: true, seed: 42);
/// for (int epoch = 0; epoch &lt; 10; epoch++)
/// {
///     sampler.SetEpoch(epoch);
///     var loader = new DataLoader(new Subset(train, sampler.Indices()), batchSize: 64);
///     ...
/// }
/// </code>
/// </example>
public sealed class DistributedSampler
{
    private int _epoch;

    /// <summary>Creates a sampler.</summary>
    /// <param name="datasetSize">The number of samples in the whole dataset.</param>
    /// <param name="numReplicas">The number of processes sharing it.</param>
    /// <param name="rank">This process's rank, 0 to <paramref name="numReplicas"/> − 1.</param>
    /// <param name="shuffle">Whether to permute the indices each epoch. Default true.</param>
    /// <param name="seed">The permutation's seed, the same on every process. Default 0.</param>
    /// <param name="dropLast">Whether to drop the tail that does not divide evenly instead of padding. Default false.</param>
    /// <exception cref="ArgumentOutOfRangeException">A size is negative, <paramref name="numReplicas"/> is not positive, or the rank is outside 0..numReplicas − 1.</exception>
    public DistributedSampler(int datasetSize, int numReplicas, int rank, bool shuffle = true, ulong seed = 0, bool dropLast = false)
    {
        if (datasetSize < 0)
            throw new ArgumentOutOfRangeException(nameof(datasetSize), datasetSize, $"DistributedSampler: the dataset size must be non-negative, got {datasetSize}.");
        if (numReplicas < 1)
            throw new ArgumentOutOfRangeException(nameof(numReplicas), numReplicas, $"DistributedSampler: numReplicas must be at least 1, got {numReplicas}.");
        if (rank < 0 || rank >= numReplicas)
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"DistributedSampler: invalid rank {rank}, rank should be in the interval [0, {numReplicas - 1}].");
        DatasetSize = datasetSize;
        NumReplicas = numReplicas;
        Rank = rank;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
    }

    /// <summary>The number of samples in the whole dataset.</summary>
    public int DatasetSize { get; }

    /// <summary>The number of processes sharing the dataset.</summary>
    public int NumReplicas { get; }

    /// <summary>This process's rank.</summary>
    public int Rank { get; }

    /// <summary>Whether the indices are permuted each epoch.</summary>
    public bool Shuffle { get; }

    /// <summary>The seed of the permutation.</summary>
    public ulong Seed { get; }

    /// <summary>Whether the uneven tail is dropped (otherwise shards are padded).</summary>
    public bool DropLast { get; }

    /// <summary>The epoch the next <see cref="Indices"/> is for.</summary>
    public int Epoch => _epoch;

    /// <summary>The length of every shard (PyTorch's <c>num_samples</c>).</summary>
    public int NumSamples => DropLast ? DatasetSize / NumReplicas : (DatasetSize + NumReplicas - 1) / NumReplicas;

    /// <summary>The number of indices over all shards (PyTorch's <c>total_size</c>).</summary>
    public int TotalSize => NumSamples * NumReplicas;

    /// <summary>Sets the epoch, so the next <see cref="Indices"/> gives that epoch's permutation (PyTorch's <c>set_epoch</c>).</summary>
    /// <param name="epoch">The epoch, usually counted from 0.</param>
    public void SetEpoch(int epoch) => _epoch = epoch;

    /// <summary>This process's indices for the current epoch, in the order to visit them.</summary>
    public int[] Indices()
    {
        int n = DatasetSize;
        var all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        if (Shuffle && n > 1)
        {
            var generator = new Generator(unchecked(Seed + (ulong)_epoch));
            for (int i = n - 1; i > 0; i--)
            {
                int j = (int)generator.NextInt64(0, i + 1);
                (all[i], all[j]) = (all[j], all[i]);
            }
        }
        var shard = new int[NumSamples];
        if (n == 0) return shard;
        for (int k = 0, position = Rank; k < shard.Length; k++, position += NumReplicas)
            shard[k] = all[position % n];   // positions past n repeat the start (padding)
        return shard;
    }
}
