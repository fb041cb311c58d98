namespace Avalon;

/// <summary>
/// One entry of a tensor index expression: an integer (removes the dim), a range with optional step,
/// <see cref="NewAxis"/> (inserts a size-1 dim) or <see cref="Ellipsis"/> (all remaining dims).
/// Converts implicitly from <see cref="int"/>, <see cref="Index"/> and <see cref="System.Range"/>, so
/// <c>x[0, 1..3]</c> and <c>x[.., ^1]</c> work like PyTorch's <c>x[0, 1:3]</c> and <c>x[:, -1]</c>.
/// </summary>
public readonly struct TensorIndex
{
    internal enum Kind { Single, Range, NewAxis, Ellipsis }

    internal Kind Type { get; }
    internal Index Single { get; }
    internal Range Window { get; }
    internal int Step { get; }

    private TensorIndex(Kind kind, Index single = default, Range window = default, int step = 1)
    {
        Type = kind;
        Single = single;
        Window = window;
        Step = step;
    }

    /// <summary>Inserts a dimension of size 1 (PyTorch's <c>None</c>).</summary>
    public static TensorIndex NewAxis => new(Kind.NewAxis);

    /// <summary>Stands for all dimensions not otherwise indexed (PyTorch's <c>...</c>).</summary>
    public static TensorIndex Ellipsis => new(Kind.Ellipsis);

    /// <summary>A range with a step, like PyTorch's <c>start:end:step</c>.</summary>
    public static TensorIndex Slice(Range range, int step)
    {
        if (step <= 0) throw OpErrors.Argument("index", $"slice step must be positive, got {step}.");
        return new(Kind.Range, window: range, step: step);
    }

    /// <summary>A single position (negative counts from the end).</summary>
    public static implicit operator TensorIndex(int index) =>
        new(Kind.Single, index < 0 ? Index.FromEnd(-index) : Index.FromStart(index));

    /// <summary>A single position.</summary>
    public static implicit operator TensorIndex(Index index) => new(Kind.Single, index);

    /// <summary>A range of positions.</summary>
    public static implicit operator TensorIndex(Range range) => new(Kind.Range, window: range);
}
