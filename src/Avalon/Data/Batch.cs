namespace Avalon.Data;

/// <summary>
/// A batch from a <see cref="DataLoader"/>: each field of the dataset's samples stacked along a new
/// leading dimension (a scalar label becomes a vector of <see cref="Size"/> labels).
/// Deconstructs as <c>foreach (var (input, target) in loader)</c>.
/// </summary>
public sealed class Batch
{
    private readonly Tensor[] _tensors;

    internal Batch(Tensor[] tensors, int[] indices)
    {
        _tensors = tensors;
        Indices = indices;
    }

    /// <summary>The number of samples in the batch.</summary>
    public int Size => Indices.Count;

    /// <summary>The dataset indices of the samples, in batch order.</summary>
    public IReadOnlyList<int> Indices { get; }

    /// <summary>The number of stacked fields (2 for input and target).</summary>
    public int Count => _tensors.Length;

    /// <summary>The stacked field at position <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>).</exception>
    public Tensor this[int index] => (uint)index < (uint)_tensors.Length ? _tensors[index]
        : throw OpErrors.OutOfRange("Batch", nameof(index), index, $"index {index} is outside [0, {_tensors.Length}): the batch has {_tensors.Length} fields.");

    /// <summary>The stacked inputs, shape <c>[Size, ...]</c>.</summary>
    public Tensor Input => _tensors[0];

    /// <summary>The stacked targets, shape <c>[Size, ...]</c>.</summary>
    /// <exception cref="InvalidOperationException">The dataset's samples hold a single tensor.</exception>
    public Tensor Target => _tensors.Length > 1
        ? _tensors[1]
        : throw OpErrors.State("Batch.Target", "the dataset's samples hold a single tensor (no target); use Input.");

    /// <summary>Deconstructs into stacked inputs and targets.</summary>
    /// <param name="input">The stacked inputs.</param>
    /// <param name="target">The stacked targets.</param>
    public void Deconstruct(out Tensor input, out Tensor target)
    {
        input = Input;
        target = Target;
    }
}
