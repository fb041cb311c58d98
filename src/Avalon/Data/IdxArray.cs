namespace Avalon.Data;

/// <summary>
/// The contents of one IDX file: its dimensions and its elements in row-major order, held in the
/// array type that matches <see cref="DataType"/> (<see cref="byte"/>[] for <see cref="IdxDataType.UByte"/>,
/// <see cref="sbyte"/>[], <see cref="short"/>[], <see cref="int"/>[], <see cref="float"/>[] or
/// <see cref="double"/>[] for the others). Values are already converted to the machine's byte order.
/// </summary>
public sealed class IdxArray
{
    private readonly int[] _dims;

    /// <summary>Creates an IDX array; <paramref name="data"/> must be the array type for <paramref name="dataType"/>.</summary>
    /// <param name="dataType">The element type.</param>
    /// <param name="dims">The dimensions, outermost first.</param>
    /// <param name="data">The elements in row-major order; its length must be the product of <paramref name="dims"/>.</param>
    /// <exception cref="ArgumentException">The array type or length does not match.</exception>
    public IdxArray(IdxDataType dataType, int[] dims, Array data)
    {
        ArgumentNullException.ThrowIfNull(dims);
        ArgumentNullException.ThrowIfNull(data);
        Type expected = ElementType(dataType);
        if (data.GetType().GetElementType() != expected || data.Rank != 1)
        {
            throw OpErrors.Argument(
                "IdxArray", $"data type {dataType} needs a {expected.Name}[] array, got {data.GetType().Name}.", nameof(data));
        }
        long count = 1;
        foreach (int d in dims)
        {
            if (d < 0)
            {
                throw OpErrors.Argument("IdxArray", $"dimensions must be non-negative, got [{string.Join(", ", dims)}].", nameof(dims));
            }
            count *= d;
        }
        if (count != data.LongLength)
        {
            throw OpErrors.Argument(
                "IdxArray", $"dimensions [{string.Join(", ", dims)}] hold {count} elements, but the data array has {data.LongLength}.", nameof(data));
        }
        DataType = dataType;
        _dims = (int[])dims.Clone();
        Data = data;
    }

    /// <summary>The element type recorded in the file.</summary>
    public IdxDataType DataType { get; }

    /// <summary>The dimensions, outermost first (for MNIST images: count, rows, columns).</summary>
    public IReadOnlyList<int> Dims => _dims;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _dims.Length;

    /// <summary>The elements in row-major order, as the array type that matches <see cref="DataType"/>.</summary>
    public Array Data { get; }

    /// <summary>The number of elements (the product of <see cref="Dims"/>).</summary>
    public long Length => Data.LongLength;

    /// <summary>Returns the elements as a <see cref="byte"/>[] (no copy).</summary>
    /// <exception cref="InvalidOperationException">The data type is not <see cref="IdxDataType.UByte"/>.</exception>
    public byte[] AsBytes() => As<byte>();

    /// <summary>Returns the elements as their typed array (no copy), for example <c>As&lt;int&gt;()</c> for <see cref="IdxDataType.Int32"/>.</summary>
    /// <typeparam name="T">The element type matching <see cref="DataType"/>.</typeparam>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> does not match <see cref="DataType"/>.</exception>
    public T[] As<T>()
    {
        if (Data is T[] typed)
        {
            return typed;
        }
        throw OpErrors.State(
            "IdxArray", $"the data is {DataType} ({Data.GetType().Name}); it cannot be viewed as {typeof(T).Name}[]. Use ToSingle() to convert.");
    }

    /// <summary>Converts every element to <see cref="float"/> (a new array; bytes become 0..255, not scaled).</summary>
    public float[] ToSingle()
    {
        var result = new float[Data.LongLength];
        switch (Data)
        {
            case byte[] b: for (int i = 0; i < b.Length; i++) result[i] = b[i]; break;
            case sbyte[] sb: for (int i = 0; i < sb.Length; i++) result[i] = sb[i]; break;
            case short[] s: for (int i = 0; i < s.Length; i++) result[i] = s[i]; break;
            case int[] n: for (int i = 0; i < n.Length; i++) result[i] = n[i]; break;
            case float[] f: f.CopyTo(result, 0); break;
            case double[] d: for (int i = 0; i < d.Length; i++) result[i] = (float)d[i]; break;
        }
        return result;
    }

    /// <inheritdoc/>
    public override string ToString() => $"IdxArray({DataType}, [{string.Join(", ", _dims)}])";

    internal static Type ElementType(IdxDataType dataType) => dataType switch
    {
        IdxDataType.UByte => typeof(byte),
        IdxDataType.SByte => typeof(sbyte),
        IdxDataType.Int16 => typeof(short),
        IdxDataType.Int32 => typeof(int),
        IdxDataType.Float32 => typeof(float),
        IdxDataType.Float64 => typeof(double),
        _ => throw OpErrors.OutOfRange("IdxArray", nameof(dataType), dataType, "unknown IDX data type."),
    };

    internal static int ElementSize(IdxDataType dataType) => dataType switch
    {
        IdxDataType.UByte or IdxDataType.SByte => 1,
        IdxDataType.Int16 => 2,
        IdxDataType.Int32 or IdxDataType.Float32 => 4,
        IdxDataType.Float64 => 8,
        _ => throw OpErrors.OutOfRange("IdxArray", nameof(dataType), dataType, "unknown IDX data type."),
    };
}
