using System.Globalization;
using System.Text;

namespace Avalon.Primitives;

/// <summary>
/// The static parameters of one primitive call (dims, strides, flags, ...): an immutable, ordered list
/// of named values. Values are int, long, double, bool, string, <see cref="DType"/>, int[] or long[].
/// Two attribute sets are equal when they hold equal values under equal names, so passes can compare calls.
/// </summary>
public sealed class Attributes : IEquatable<Attributes>
{
    private readonly KeyValuePair<string, object>[] _items;

    /// <summary>No attributes.</summary>
    public static readonly Attributes Empty = new([]);

    private Attributes(KeyValuePair<string, object>[] items) => _items = items;

    /// <summary>Creates attributes from name/value pairs.</summary>
    public static Attributes Of(params (string Name, object Value)[] items)
    {
        if (items.Length == 0) return Empty;
        var arr = new KeyValuePair<string, object>[items.Length];
        for (int i = 0; i < items.Length; i++) arr[i] = new(items[i].Name, items[i].Value);
        return new Attributes(arr);
    }

    /// <summary>The names and values, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Items => _items;

    /// <summary>Whether an attribute of this name exists.</summary>
    public bool Has(string name)
    {
        foreach (var kv in _items) if (kv.Key == name) return true;
        return false;
    }

    /// <summary>The value named <paramref name="name"/>; throws when missing or of another type.</summary>
    public T Get<T>(string name)
    {
        foreach (var kv in _items)
            if (kv.Key == name)
                return kv.Value is T t ? t : throw new InvalidCastException($"Attribute '{name}' is a {kv.Value.GetType().Name}, not a {typeof(T).Name}.");
        throw new KeyNotFoundException($"Attribute '{name}' is missing (present: {string.Join(", ", _items.Select(i => i.Key))}).");
    }

    /// <summary>The value named <paramref name="name"/>, or <paramref name="fallback"/> when missing.</summary>
    public T GetOr<T>(string name, T fallback)
    {
        foreach (var kv in _items) if (kv.Key == name) return (T)kv.Value;
        return fallback;
    }

    /// <summary>An int attribute.</summary>
    public int Int(string name) => Get<int>(name);

    /// <summary>An int[] attribute.</summary>
    public int[] Ints(string name) => Get<int[]>(name);

    /// <summary>A double attribute.</summary>
    public double Double(string name) => Get<double>(name);

    /// <summary>A bool attribute.</summary>
    public bool Bool(string name) => Get<bool>(name);

    /// <inheritdoc />
    public bool Equals(Attributes? other)
    {
        if (other is null || other._items.Length != _items.Length) return false;
        for (int i = 0; i < _items.Length; i++)
        {
            if (_items[i].Key != other._items[i].Key) return false;
            if (!ValueEquals(_items[i].Value, other._items[i].Value)) return false;
        }
        return true;
    }

    private static bool ValueEquals(object a, object b) => (a, b) switch
    {
        (int[] x, int[] y) => x.AsSpan().SequenceEqual(y),
        (long[] x, long[] y) => x.AsSpan().SequenceEqual(y),
        (double[] x, double[] y) => x.AsSpan().SequenceEqual(y),
        _ => a.Equals(b),
    };

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Attributes);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var kv in _items) h.Add(kv.Key);
        return h.ToHashCode();
    }

    /// <summary>Formats like <c>dims=[1], keepdim=True</c>.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var kv in _items)
        {
            if (sb.Length > 0) sb.Append(", ");
            sb.Append(kv.Key).Append('=').Append(FormatValue(kv.Value));
        }
        return sb.ToString();
    }

    internal static string FormatValue(object v) => v switch
    {
        int[] a => "[" + string.Join(", ", a) + "]",
        long[] a => "[" + string.Join(", ", a) + "]",
        double[] a => "[" + string.Join(", ", a.Select(d => d.ToString("R", CultureInfo.InvariantCulture))) + "]",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "True" : "False",
        DType t => t.Name(),
        string s => "'" + s + "'",
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };
}
