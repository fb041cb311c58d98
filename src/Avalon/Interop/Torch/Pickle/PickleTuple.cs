namespace Avalon.Interop.Torch.Pickle;

/// <summary>A Python tuple read from a pickle (also <c>torch.Size</c>): immutable, compared by its items.</summary>
public sealed class PickleTuple : IReadOnlyList<object?>, IEquatable<PickleTuple>
{
    private readonly object?[] _items;

    internal PickleTuple(object?[] items) => _items = items;

    /// <summary>The item at <paramref name="index"/>.</summary>
    public object? this[int index] => _items[index];

    /// <summary>The number of items.</summary>
    public int Count => _items.Length;

    /// <inheritdoc/>
    public IEnumerator<object?> GetEnumerator() => ((IEnumerable<object?>)_items).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => _items.GetEnumerator();

    /// <inheritdoc/>
    public bool Equals(PickleTuple? other)
    {
        if (other is null || other.Count != Count) return false;
        for (int i = 0; i < _items.Length; i++)
            if (!PickleKeyComparer.Instance.Equals(_items[i], other._items[i])) return false;
        return true;
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PickleTuple t && Equals(t);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var item in _items) hash.Add(item is null ? 0 : PickleKeyComparer.Instance.GetHashCode(item));
        return hash.ToHashCode();
    }

    /// <inheritdoc/>
    public override string ToString() => "(" + string.Join(", ", _items.Select(i => i?.ToString() ?? "None")) + (_items.Length == 1 ? ",)" : ")");
}
