using System.Globalization;
using System.Text;

namespace Avalon.Primitives;

/// <summary>
/// The static parameters of one primitive call (dims, strides, flags, ...): an immutable set of named,
/// typed values with value equality, usable as a key by passes (common subexpressions) and caches.
/// </summary>
/// <remarks>
/// Values are normalised when the set is made: every integer scalar (int, long, short, byte) is stored as
/// a <see cref="long"/>, every integer array (int[] or long[]) as a private copy of type long[], float as
/// double, float[] as double[]. So <c>Get&lt;int&gt;</c> reads a value given as a long and the reverse,
/// arrays compare and hash by content, and a caller's later change to an array it passed in has no
/// effect. Items are kept sorted by name, so equality and hashing do not depend on the order they were
/// given in. The other value types are bool, string and <see cref="DType"/>.
/// </remarks>
public sealed class Attributes : IEquatable<Attributes>
{
    private readonly KeyValuePair<string, object>[] _items;
    private readonly int _hash;

    /// <summary>No attributes.</summary>
    public static readonly Attributes Empty = new([]);

    private Attributes(KeyValuePair<string, object>[] items)
    {
        _items = items;
        var h = new HashCode();
        foreach (var kv in items)
        {
            h.Add(kv.Key, StringComparer.Ordinal);
            h.Add(ValueHash(kv.Value));
        }
        _hash = h.ToHashCode();
    }

    /// <summary>The schema this set was last validated against (so a replay does not validate again).</summary>
    internal AttributeSchema? ValidatedBy { get; set; }

    /// <summary>
    /// The validated form of this set (defaults filled in) for the schema it was last validated against,
    /// when that form is another set: a call site that reuses its attributes then skips validation.
    /// </summary>
    internal AttributeValidation? LastValidation { get; set; }

    /// <summary>Creates attributes from name/value pairs (normalised; see the remarks on <see cref="Attributes"/>).</summary>
    /// <exception cref="ArgumentException">A name repeats, or a value has an unsupported type.</exception>
    public static Attributes Of(params (string Name, object Value)[] items)
    {
        if (items.Length == 0) return Empty;
        var arr = new KeyValuePair<string, object>[items.Length];
        for (int i = 0; i < items.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(items[i].Name);
            arr[i] = new(items[i].Name, Normalize(items[i].Name, items[i].Value));
        }
        return FromNormalized(arr);
    }

    private static Attributes FromNormalized(KeyValuePair<string, object>[] arr)
    {
        Array.Sort(arr, (x, y) => string.CompareOrdinal(x.Key, y.Key));
        for (int i = 1; i < arr.Length; i++)
            if (arr[i].Key == arr[i - 1].Key)
                throw OpErrors.Argument("Attributes", $"'{arr[i].Key}' is given twice.");
        return new Attributes(arr);
    }

    /// <summary>A copy with <paramref name="name"/> set to <paramref name="value"/> (added or replaced).</summary>
    public Attributes With(string name, object value)
    {
        var list = new List<KeyValuePair<string, object>>(_items.Length + 1);
        foreach (var kv in _items) if (kv.Key != name) list.Add(kv);
        list.Add(new(name, Normalize(name, value)));
        return FromNormalized([.. list]);
    }

    /// <summary>A copy without <paramref name="name"/> (the same set when it is absent).</summary>
    public Attributes Without(string name)
    {
        if (!Has(name)) return this;
        return FromNormalized(_items.Where(kv => kv.Key != name).ToArray());
    }

    /// <summary>The canonical stored form of a value: integers as long, integer arrays as long[] copies.</summary>
    internal static object Normalize(string name, object value) => value switch
    {
        null => throw OpErrors.Argument("Attributes", $"'{name}' is null; omit an attribute instead of passing null."),
        long or double or bool or string or DType => value,
        int i => (long)i,
        short s => (long)s,
        byte b => (long)b,
        uint u => (long)u,
        float f => (double)f,
        int[] a => Array.ConvertAll(a, x => (long)x),
        long[] a => (long[])a.Clone(),
        double[] a => (double[])a.Clone(),
        float[] a => Array.ConvertAll(a, x => (double)x),
        _ => throw OpErrors.Argument(
            "Attributes", $"'{name}' has unsupported type {value.GetType().Name}; use an integer, double, bool, string, DType, or an array of integers or doubles."),
    };

    /// <summary>The names and values, sorted by name. Integer values read as long and long[].</summary>
    public IReadOnlyList<KeyValuePair<string, object>> Items => _items;

    /// <summary>The number of attributes.</summary>
    public int Count => _items.Length;

    /// <summary>Whether an attribute of this name exists.</summary>
    public bool Has(string name) => Find(name) >= 0;

    private int Find(string name)
    {
        for (int i = 0; i < _items.Length; i++)
            if (_items[i].Key == name) return i;
        return -1;
    }

    /// <summary>The stored value named <paramref name="name"/>, if present (no conversion).</summary>
    internal bool TryGetRaw(string name, out object value)
    {
        int i = Find(name);
        value = i < 0 ? null! : _items[i].Value;
        return i >= 0;
    }

    private object Raw(string name)
    {
        int i = Find(name);
        if (i < 0)
            throw new KeyNotFoundException($"Attribute '{name}' is missing (present: {string.Join(", ", _items.Select(kv => kv.Key))}).");
        return _items[i].Value;
    }

    /// <summary>
    /// The value named <paramref name="name"/> converted to <typeparamref name="T"/> (int and long read
    /// each other, as do int[] and long[], float and double); throws when missing or of another type.
    /// </summary>
    public T Get<T>(string name) => Convert<T>(name, Raw(name));

    /// <summary>The value named <paramref name="name"/>, or <paramref name="fallback"/> when missing.</summary>
    public T GetOr<T>(string name, T fallback)
    {
        int i = Find(name);
        return i < 0 ? fallback : Convert<T>(name, _items[i].Value);
    }

    private static T Convert<T>(string name, object v)
    {
        if (v is T t && v is not Array) return t;
        // The common numeric reads, without boxing the converted value (kernels read attributes on every call).
        if (typeof(T) == typeof(int) && v is long li)
        {
            int r = checked((int)li);
            return System.Runtime.CompilerServices.Unsafe.As<int, T>(ref r);
        }
        if (typeof(T) == typeof(double) && v is long ld)
        {
            double r = ld;
            return System.Runtime.CompilerServices.Unsafe.As<double, T>(ref r);
        }
        if (typeof(T) == typeof(float) && v is double df)
        {
            float r = (float)df;
            return System.Runtime.CompilerServices.Unsafe.As<float, T>(ref r);
        }
        object? converted = (v, typeof(T)) switch
        {
            (long l, var x) when x == typeof(int) => checked((int)l),
            (long l, var x) when x == typeof(double) => (double)l,
            (long[] a, var x) when x == typeof(int[]) => Array.ConvertAll(a, e => checked((int)e)),
            (long[] a, var x) when x == typeof(long[]) => a.Clone(),
            (double[] a, var x) when x == typeof(double[]) => a.Clone(),
            (double d, var x) when x == typeof(float) => (float)d,
            _ => null,
        };
        return converted is T c ? c
            : throw new InvalidCastException($"Attribute '{name}' is {TypeName(v)}, not {typeof(T).Name}.");
    }

    /// <summary>An int attribute.</summary>
    public int Int(string name) => Get<int>(name);

    /// <summary>A long attribute.</summary>
    public long Long(string name) => Get<long>(name);

    /// <summary>An int[] attribute (a fresh copy).</summary>
    public int[] Ints(string name) => Get<int[]>(name);

    private int[]?[]? _sharedInts;

    /// <summary>
    /// An int[] attribute as one array converted once and shared by every read (a kernel reads it on
    /// every call without allocating): callers must not modify it.
    /// </summary>
    internal int[] SharedInts(string name)
    {
        int i = Find(name);
        if (i < 0) return Ints(name); // raises the missing-attribute error
        var cache = _sharedInts ??= new int[]?[_items.Length];
        return cache[i] ??= Convert<int[]>(name, _items[i].Value);
    }

    /// <summary>A long[] attribute (a fresh copy).</summary>
    public long[] Longs(string name) => Get<long[]>(name);

    /// <summary>A double attribute.</summary>
    public double Double(string name) => Get<double>(name);

    /// <summary>A bool attribute.</summary>
    public bool Bool(string name) => Get<bool>(name);

    /// <summary>A string attribute.</summary>
    public string String(string name) => Get<string>(name);

    /// <inheritdoc />
    public bool Equals(Attributes? other)
    {
        if (ReferenceEquals(this, other)) return true;
        if (other is null || other._items.Length != _items.Length || other._hash != _hash) return false;
        for (int i = 0; i < _items.Length; i++)
        {
            if (_items[i].Key != other._items[i].Key) return false;
            if (!ValueEquals(_items[i].Value, other._items[i].Value)) return false;
        }
        return true;
    }

    internal static bool ValueEquals(object a, object b) => (a, b) switch
    {
        (long[] x, long[] y) => x.AsSpan().SequenceEqual(y),
        (double[] x, double[] y) => x.AsSpan().SequenceEqual(y),
        _ => a.Equals(b),
    };

    private static int ValueHash(object v)
    {
        var h = new HashCode();
        switch (v)
        {
            case long[] a: foreach (var x in a) h.Add(x); h.Add(a.Length); break;
            case double[] a: foreach (var x in a) h.Add(x); h.Add(a.Length); break;
            default: h.Add(v); break;
        }
        return h.ToHashCode();
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Attributes);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

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

    internal static string TypeName(object v) => v switch
    {
        long => "an integer",
        double => "a double",
        bool => "a bool",
        string => "a string",
        DType => "a dtype",
        long[] => "an integer array",
        double[] => "a double array",
        _ => v.GetType().Name,
    };

    internal static string FormatValue(object v) => v switch
    {
        int[] a => "[" + string.Join(", ", a) + "]",
        long[] a => "[" + string.Join(", ", a) + "]",
        double[] a => "[" + string.Join(", ", a.Select(d => d.ToString("R", CultureInfo.InvariantCulture))) + "]",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "True" : "False",
        DType t => t.Name(),
        string s => "'" + s + "'",
        _ => System.Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };
}
