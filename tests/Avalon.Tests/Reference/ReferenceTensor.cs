using System.Text.Json;

namespace Avalon.Tests.Reference;

/// <summary>
/// A tensor from a PyTorch reference file: its shape, its dtype name and its elements in row-major
/// order. The elements are kept as doubles whatever the dtype: float32 values read this way and cast
/// back to float give exactly the float32 that PyTorch produced, and int64 values used in the
/// reference files are small enough to be exact.
/// </summary>
internal sealed class ReferenceTensor
{
    /// <summary>Creates a tensor and checks that the data length matches the shape.</summary>
    public ReferenceTensor(int[] shape, string dtype, double[] data)
    {
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new InvalidDataException(
                    $"reference tensor: negative dimension in shape [{string.Join(", ", shape)}]");
            }
            count *= d;
        }
        if (count != data.Length)
        {
            throw new InvalidDataException(
                $"reference tensor: shape [{string.Join(", ", shape)}] needs {count} elements, " +
                $"the data has {data.Length}");
        }
        Shape = shape;
        Dtype = dtype;
        Data = data;
    }

    /// <summary>The dimensions; empty for a scalar.</summary>
    public int[] Shape { get; }

    /// <summary>The PyTorch dtype name: "float32", "float64" or "int64".</summary>
    public string Dtype { get; }

    /// <summary>The elements, flat and row-major.</summary>
    public double[] Data { get; }

    /// <summary>The number of elements (1 for a scalar).</summary>
    public int Count => Data.Length;

    /// <summary>The elements cast to float (exact for dtype float32).</summary>
    public float[] ToFloatArray()
    {
        var result = new float[Data.Length];
        for (int i = 0; i < Data.Length; i++)
        {
            result[i] = (float)Data[i];
        }
        return result;
    }

    /// <summary>The elements as integers; throws if the dtype is not int64.</summary>
    public long[] ToInt64Array()
    {
        if (Dtype != "int64")
        {
            throw new InvalidOperationException(
                $"reference tensor: ToInt64Array needs dtype int64, this tensor is {Dtype}");
        }
        var result = new long[Data.Length];
        for (int i = 0; i < Data.Length; i++)
        {
            result[i] = (long)Data[i];
        }
        return result;
    }

    /// <summary>The value of a scalar (or one-element) tensor.</summary>
    public double Item()
    {
        if (Data.Length != 1)
        {
            throw new InvalidOperationException(
                $"reference tensor: Item needs one element, shape is [{string.Join(", ", Shape)}]");
        }
        return Data[0];
    }

    /// <summary>True when <paramref name="element"/> looks like a tensor object (has shape, dtype and data).</summary>
    public static bool IsTensor(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty("shape", out _)
        && element.TryGetProperty("dtype", out _)
        && element.TryGetProperty("data", out _);

    /// <summary>Reads a tensor object <c>{"shape": [...], "dtype": "...", "data": [...]}</c>.</summary>
    public static ReferenceTensor FromJson(JsonElement element)
    {
        if (!IsTensor(element))
        {
            throw new InvalidDataException(
                $"reference tensor: expected an object with shape, dtype and data, got {element.ValueKind}");
        }
        JsonElement shapeJson = element.GetProperty("shape");
        var shape = new int[shapeJson.GetArrayLength()];
        int i = 0;
        foreach (JsonElement d in shapeJson.EnumerateArray())
        {
            shape[i++] = d.GetInt32();
        }
        string dtype = element.GetProperty("dtype").GetString()
            ?? throw new InvalidDataException("reference tensor: dtype is null");
        if (dtype is not ("float32" or "float64" or "int64" or "bool"))
        {
            throw new InvalidDataException($"reference tensor: unknown dtype '{dtype}'");
        }
        JsonElement dataJson = element.GetProperty("data");
        var data = new double[dataJson.GetArrayLength()];
        i = 0;
        foreach (JsonElement v in dataJson.EnumerateArray())
        {
            data[i++] = v.GetDouble();
        }
        return new ReferenceTensor(shape, dtype, data);
    }

    /// <summary>Shape and dtype, e.g. "float32[2, 3]".</summary>
    public override string ToString() => $"{Dtype}[{string.Join(", ", Shape)}]";
}
