namespace Avalon.Data;

/// <summary>
/// One item of a dataset: one or more tensors (usually an input and a target, like the tuple a
/// PyTorch dataset returns). Deconstructs as <c>var (input, target) = sample;</c>.
/// </summary>
public sealed class Sample
{
    private readonly Tensor[] _tensors;

    /// <summary>Creates a sample of the given tensors, in order (at least one).</summary>
    /// <param name="tensors">The fields of the sample; the first is the input, the second the target.</param>
    public Sample(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        if (tensors.Length == 0) throw OpErrors.Argument("Sample", "expected at least one tensor, got none.", nameof(tensors));
        for (int i = 0; i < tensors.Length; i++)
        {
            if (tensors[i] is null) throw new ArgumentNullException(nameof(tensors), $"Sample: tensor {i} is null.");
        }
        _tensors = (Tensor[])tensors.Clone();
    }

    /// <summary>The number of tensors in the sample.</summary>
    public int Count => _tensors.Length;

    /// <summary>The tensor at position <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is outside [0, <see cref="Count"/>).</exception>
    public Tensor this[int index] => (uint)index < (uint)_tensors.Length ? _tensors[index]
        : throw OpErrors.OutOfRange("Sample", nameof(index), index, $"index {index} is outside [0, {_tensors.Length}): the sample has {_tensors.Length} tensors.");

    /// <summary>The first tensor (the model input).</summary>
    public Tensor Input => _tensors[0];

    /// <summary>The second tensor (the target, for example a class index).</summary>
    /// <exception cref="InvalidOperationException">The sample holds a single tensor.</exception>
    public Tensor Target => _tensors.Length > 1
        ? _tensors[1]
        : throw OpErrors.State("Sample.Target", "this sample holds a single tensor (no target); use Input.");

    /// <summary>Deconstructs into input and target.</summary>
    /// <param name="input">The first tensor.</param>
    /// <param name="target">The second tensor.</param>
    public void Deconstruct(out Tensor input, out Tensor target)
    {
        input = Input;
        target = Target;
    }

    internal Tensor[] Tensors => _tensors;
}
