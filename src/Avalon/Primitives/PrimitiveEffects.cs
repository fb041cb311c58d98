namespace Avalon.Primitives;

/// <summary>
/// What a primitive does besides computing its outputs from its inputs, as passes and executors need
/// to know: whether an output aliases an input (a view), whether the call writes into an input (in
/// place), and whether it draws random numbers. A pure primitive may be reordered, deduplicated and
/// constant-folded; the others constrain what a pass may do.
/// </summary>
public sealed class PrimitiveEffects : IEquatable<PrimitiveEffects>
{
    private readonly int[] _mutated;

    private PrimitiveEffects(int viewOf, int[] mutated, bool isRandom)
    {
        ViewOfInput = viewOf;
        _mutated = mutated;
        IsRandom = isRandom;
    }

    /// <summary>No effects: the outputs are fresh buffers computed from the inputs alone.</summary>
    public static readonly PrimitiveEffects Pure = new(-1, [], false);

    /// <summary>Draws random numbers (from a seed input, so the same seed gives the same draw).</summary>
    public static readonly PrimitiveEffects Random = new(-1, [], true);

    /// <summary>The first output may share storage with input <paramref name="input"/> (a view).</summary>
    public static PrimitiveEffects ViewOf(int input) =>
        new(input >= 0 ? input : throw new ArgumentOutOfRangeException(nameof(input), input, "A view names the input it aliases (0 or more)."), [], false);

    /// <summary>
    /// Writes into the given inputs (an optimiser update may write several); output k, when there is
    /// one, is the k-th of those tensors, updated.
    /// </summary>
    public static PrimitiveEffects Mutates(params int[] inputs)
    {
        if (inputs.Length == 0 || inputs.Any(i => i < 0))
            throw new ArgumentOutOfRangeException(nameof(inputs), "An in-place primitive names the inputs it writes (0 or more).");
        return new(-1, (int[])inputs.Clone(), false);
    }

    /// <summary>The input the first output aliases, or -1.</summary>
    public int ViewOfInput { get; }

    /// <summary>The first input the call writes into, or -1.</summary>
    public int MutatesInput => _mutated.Length > 0 ? _mutated[0] : -1;

    /// <summary>Every input the call writes into (empty when it writes none).</summary>
    public IReadOnlyList<int> MutatedInputs => _mutated;

    /// <summary>Whether the call draws random numbers.</summary>
    public bool IsRandom { get; }

    /// <summary>True when the call neither aliases, mutates nor draws random numbers.</summary>
    public bool IsPure => ViewOfInput < 0 && MutatesInput < 0 && !IsRandom;

    /// <summary>Whether the first output is a view of an input.</summary>
    public bool IsView => ViewOfInput >= 0;

    /// <summary>Whether the call writes into an input.</summary>
    public bool IsInPlace => MutatesInput >= 0;

    /// <inheritdoc />
    public bool Equals(PrimitiveEffects? other) =>
        other is not null && other.ViewOfInput == ViewOfInput && other._mutated.AsSpan().SequenceEqual(_mutated) && other.IsRandom == IsRandom;

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PrimitiveEffects);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ViewOfInput, MutatesInput, _mutated.Length, IsRandom);

    /// <summary>Formats like <c>pure</c>, <c>view of input 0</c>, <c>mutates input 0</c>, <c>random</c>.</summary>
    public override string ToString() =>
        IsPure ? "pure"
        : IsView ? $"view of input {ViewOfInput}"
        : IsInPlace ? (_mutated.Length == 1 ? $"mutates input {MutatesInput}" : $"mutates inputs {string.Join(", ", _mutated)}")
        : "random";
}
