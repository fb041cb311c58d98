namespace Avalon.Nn;

/// <summary>
/// A batch of variable-length sequences packed time step by time step (PyTorch's
/// <c>torch.nn.utils.rnn.PackedSequence</c>): <see cref="Data"/> holds the first step of every sequence,
/// then the second step of every sequence that is that long, and so on, with the sequences sorted by
/// decreasing length. Build one with <see cref="RnnUtils.PackPaddedSequence(Tensor, long[], bool, bool)"/>
/// or <see cref="RnnUtils.PackSequence"/>; <see cref="RNN"/>, <see cref="LSTM"/> and <see cref="GRU"/>
/// accept it and give back one with the same layout.
/// </summary>
public sealed class PackedSequence
{
    private readonly int[] _batchSizes;

    /// <summary>Creates the packed sequence from its parts (what PyTorch's constructor takes).</summary>
    /// <param name="data">The packed steps, shape <c>[sum(batch_sizes), *]</c>.</param>
    /// <param name="batchSizes">How many sequences have step t, for each t: positive and non-increasing, the first being the batch size.</param>
    /// <param name="sortedIndices">The original batch position of each sorted sequence (int64, a permutation), or null when the batch was already sorted.</param>
    /// <param name="unsortedIndices">The inverse permutation of <paramref name="sortedIndices"/>; computed when null.</param>
    /// <exception cref="ArgumentException">The batch sizes do not describe <paramref name="data"/>, or the indices are not a permutation of the batch.</exception>
    public PackedSequence(Tensor data, long[] batchSizes, Tensor? sortedIndices = null, Tensor? unsortedIndices = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(batchSizes);
        if (batchSizes.Length == 0)
            throw OpErrors.Argument("PackedSequence", "batch_sizes must hold at least one step.", nameof(batchSizes));
        var sizes = new int[batchSizes.Length];
        long total = 0;
        for (int t = 0; t < sizes.Length; t++)
        {
            if (batchSizes[t] <= 0 || (t > 0 && batchSizes[t] > batchSizes[t - 1]))
                throw OpErrors.Argument(
                    "PackedSequence", $"batch_sizes must be positive and non-increasing, got [{string.Join(", ", batchSizes)}].", nameof(batchSizes));
            sizes[t] = checked((int)batchSizes[t]);
            total += sizes[t];
        }
        if (data.Rank == 0 || data.Size(0) != total)
            throw OpErrors.Argument(
                "PackedSequence", $"data of shape {data.Shape} does not fit batch_sizes [{string.Join(", ", batchSizes)}], which sum to {total} rows.", nameof(data));
        int batch = sizes[0];
        if (sortedIndices is not null)
        {
            CheckPermutation(sortedIndices, batch, "sorted_indices");
            unsortedIndices ??= InvertPermutation(sortedIndices);
        }
        if (unsortedIndices is not null) CheckPermutation(unsortedIndices, batch, "unsorted_indices");
        if ((sortedIndices is null) != (unsortedIndices is null))
            throw OpErrors.Argument("PackedSequence", "sorted_indices and unsorted_indices must both be given or both be null.");
        Data = data;
        _batchSizes = sizes;
        SortedIndices = sortedIndices;
        UnsortedIndices = unsortedIndices;
    }

    /// <summary>The packed steps, shape <c>[sum(batch_sizes), *]</c>.</summary>
    public Tensor Data { get; }

    /// <summary>How many sequences have step t, for each step (an int64 tensor, as PyTorch's <c>batch_sizes</c>).</summary>
    public Tensor BatchSizes => Tensor.From(Array.ConvertAll(_batchSizes, b => (long)b));

    /// <summary>The original batch position of each sorted sequence, or null when the batch was given sorted.</summary>
    public Tensor? SortedIndices { get; }

    /// <summary>Where each original sequence sits in the sorted order (the inverse of <see cref="SortedIndices"/>), or null.</summary>
    public Tensor? UnsortedIndices { get; }

    /// <summary>The number of sequences.</summary>
    public int BatchSize => _batchSizes[0];

    /// <summary>The length of the longest sequence (the number of steps).</summary>
    public int MaxLength => _batchSizes.Length;

    /// <summary>The batch sizes as host integers.</summary>
    internal IReadOnlyList<int> BatchSizeList => _batchSizes;

    /// <summary>The batch sizes as a copy (for split sizes).</summary>
    internal int[] BatchSizeArray() => (int[])_batchSizes.Clone();

    /// <summary>A packed sequence with other data (same steps and order), e.g. a layer's output.</summary>
    internal PackedSequence WithData(Tensor data) =>
        new(data, Array.ConvertAll(_batchSizes, b => (long)b), SortedIndices, UnsortedIndices);

    /// <summary>The lengths of the sequences in sorted order (sequence i is as long as the number of steps with a batch size above i).</summary>
    internal long[] SortedLengths()
    {
        var lengths = new long[BatchSize];
        foreach (int b in _batchSizes)
            for (int i = 0; i < b; i++) lengths[i]++;
        return lengths;
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"PackedSequence(data={Data.DType.Name()}{Data.Shape}, batch_sizes=[{string.Join(", ", _batchSizes)}], sorted={SortedIndices is null})";

    internal static Tensor InvertPermutation(Tensor permutation)
    {
        var p = permutation.ToArray<long>();
        var inverse = new long[p.Length];
        for (int i = 0; i < p.Length; i++) inverse[p[i]] = i;
        return Tensor.From(inverse);
    }

    private static void CheckPermutation(Tensor indices, int batch, string what)
    {
        if (indices.DType != DType.Int64 || indices.Rank != 1 || indices.Size(0) != batch)
            throw OpErrors.Argument("PackedSequence", $"{what} must be a 1-D int64 tensor of {batch} elements (the batch size), got {indices.DType.Name()}{indices.Shape}.");
        var seen = new bool[batch];
        foreach (long i in indices.ToArray<long>())
        {
            if (i < 0 || i >= batch || seen[i])
                throw OpErrors.Argument("PackedSequence", $"{what} must be a permutation of 0..{batch - 1}, got [{string.Join(", ", indices.ToArray<long>())}].");
            seen[i] = true;
        }
    }
}
