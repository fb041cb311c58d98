using System.Collections;

namespace Avalon;

/// <summary>
/// The sizes of a tensor's dimensions (PyTorch's <c>torch.Size</c>). Immutable; indexable with
/// negative indices counting from the end.
/// </summary>
public readonly struct Shape : IReadOnlyList<int>, IEquatable<Shape>
{
    private readonly int[]? _dims;

    /// <summary>Creates a shape from its dimension sizes (the array is copied).</summary>
    public Shape(params ReadOnlySpan<int> dims) => _dims = dims.ToArray();

    private Shape(int[] dims, bool _) => _dims = dims;

    internal static Shape Wrap(int[] dims) => new(dims, false);

    internal int[] Dims => _dims ?? [];

    /// <summary>The number of dimensions.</summary>
    public int Rank => Dims.Length;

    /// <summary>The number of dimensions (same as <see cref="Rank"/>).</summary>
    public int Count => Dims.Length;

    /// <summary>The number of elements: the product of the sizes (1 for a scalar).</summary>
    public int Numel
    {
        get
        {
            long n = 1;
            foreach (int d in Dims) n *= d;
            return checked((int)n);
        }
    }

    /// <summary>The size of dimension <paramref name="dim"/>; negative values count from the end.</summary>
    public int this[int dim] => Dims[ShapeUtil.NormalizeSizedDim(dim, Rank, "Shape[]")];

    /// <summary>The sizes as a new array.</summary>
    public int[] ToArray() => (int[])Dims.Clone();

    /// <summary>The sizes as a read-only span.</summary>
    public ReadOnlySpan<int> AsSpan() => Dims;

    /// <inheritdoc />
    public IEnumerator<int> GetEnumerator() => ((IEnumerable<int>)Dims).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public bool Equals(Shape other) => Dims.AsSpan().SequenceEqual(other.Dims);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (int d in Dims) h.Add(d);
        return h.ToHashCode();
    }

    /// <summary>Value equality.</summary>
    public static bool operator ==(Shape a, Shape b) => a.Equals(b);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(Shape a, Shape b) => !a.Equals(b);

    /// <summary>Converts an array of sizes to a shape.</summary>
    public static implicit operator Shape(int[] dims) => new(dims);

    /// <summary>Formats like <c>[2, 3, 4]</c>.</summary>
    public override string ToString() => ShapeUtil.Format(Dims);
}
