namespace Avalon.Data;

/// <summary>
/// The samples of a dataset at given indices, in that order (PyTorch's <c>torch.utils.data.Subset</c>):
/// a split, or one process's shard in data-parallel training. Batches are gathered straight from the
/// source's arrays when it can.
/// </summary>
public sealed class Subset : IDataset, IBatchGatherer
{
    private readonly IDataset _source;
    private readonly int[] _indices;

    /// <summary>Creates the view.</summary>
    /// <param name="source">The whole dataset.</param>
    /// <param name="indices">The indices of <paramref name="source"/> to visit (copied), each in 0..Count − 1; repeats are allowed.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the source.</exception>
    public Subset(IDataset source, IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(indices);
        _source = source;
        _indices = [.. indices];
        foreach (int i in _indices)
            if (i < 0 || i >= source.Count)
                throw OpErrors.OutOfRange("Subset", nameof(indices), i, $"index {i} is outside the dataset of {source.Count} samples.");
    }

    /// <summary>The dataset the indices refer to.</summary>
    public IDataset Source => _source;

    /// <summary>The indices, in order.</summary>
    public IReadOnlyList<int> Indices => _indices;

    /// <inheritdoc/>
    public int Count => _indices.Length;

    /// <inheritdoc/>
    public Sample Get(int index)
    {
        if (index < 0 || index >= _indices.Length)
            throw OpErrors.OutOfRange("Subset", nameof(index), index, $"index {index} is outside the subset of {_indices.Length} samples.");
        return _source.Get(_indices[index]);
    }

    bool IBatchGatherer.CanGather => _source is IBatchGatherer { CanGather: true };

    Tensor[] IBatchGatherer.Gather(ReadOnlySpan<int> indices)
    {
        var mapped = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++) mapped[i] = _indices[indices[i]];
        return ((IBatchGatherer)_source).Gather(mapped);
    }
}
