namespace Avalon.Data;

/// <summary>
/// The samples of a dataset at given indices, in the given order (PyTorch's <c>torch.utils.data.Subset</c>):
/// sample <c>i</c> of the subset is sample <c>Indices[i]</c> of <see cref="Dataset"/>. Nothing is copied.
/// </summary>
/// <example>
/// <code>
/// var parts = Datasets.RandomSplit(full, [0.9, 0.1], new Generator(0));   // parts[0]: 90 %, parts[1]: 10 %
/// var firstHundred = new Subset(full, Enumerable.Range(0, 100).ToArray());
/// </code>
/// </example>
public sealed class Subset : IDataset, IBatchGatherer
{
    private readonly int[] _indices;

    /// <summary>Creates the subset of <paramref name="dataset"/> at <paramref name="indices"/>.</summary>
    /// <param name="dataset">The underlying dataset.</param>
    /// <param name="indices">Positions in <paramref name="dataset"/>, each in <c>[0, dataset.Count)</c>; repeats are allowed. Copied.</param>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside the dataset.</exception>
    public Subset(IDataset dataset, IReadOnlyList<int> indices)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(indices);
        _indices = [.. indices];
        int count = dataset.Count;
        for (int i = 0; i < _indices.Length; i++)
        {
            if ((uint)_indices[i] >= (uint)count)
                throw OpErrors.OutOfRange("Subset", nameof(indices), _indices[i],
                    $"index {i} is {_indices[i]}, outside the dataset's [0, {count}).");
        }
        Dataset = dataset;
    }

    /// <summary>The underlying dataset.</summary>
    public IDataset Dataset { get; }

    /// <summary>The positions in <see cref="Dataset"/> of this subset's samples, in order.</summary>
    public IReadOnlyList<int> Indices => _indices;

    /// <inheritdoc/>
    public int Count => _indices.Length;

    /// <inheritdoc/>
    public Sample Get(int index)
    {
        if ((uint)index >= (uint)_indices.Length)
            throw OpErrors.OutOfRange("Subset.Get", nameof(index), index, $"index must be in [0, {_indices.Length}).");
        return Dataset.Get(_indices[index]);
    }

    bool IBatchGatherer.CanGather => Dataset is IBatchGatherer { CanGather: true };

    Tensor[] IBatchGatherer.Gather(ReadOnlySpan<int> indices)
    {
        var mapped = new int[indices.Length];
        for (int i = 0; i < indices.Length; i++) mapped[i] = _indices[indices[i]];
        return ((IBatchGatherer)Dataset).Gather(mapped);
    }

    /// <inheritdoc/>
    public override string ToString() => $"Subset({_indices.Length} of {Dataset.Count} samples)";
}
