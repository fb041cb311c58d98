using System.Text.Json;

namespace Avalon.Tests.Reference;

/// <summary>
/// One case of a reference file: a name, a kind (the PyTorch class or function) and the fields
/// described in tests/reference/README.md, read on demand from the underlying JSON.
/// </summary>
internal sealed class ReferenceCase
{
    /// <summary>Wraps the JSON object of one case.</summary>
    public ReferenceCase(JsonElement json)
    {
        Json = json;
        Name = json.GetProperty("name").GetString()
            ?? throw new InvalidDataException("reference case: name is null");
        Kind = json.GetProperty("kind").GetString()
            ?? throw new InvalidDataException($"reference case {Name}: kind is null");
    }

    /// <summary>The name, unique within its file.</summary>
    public string Name { get; }

    /// <summary>The PyTorch class or function, e.g. "Conv2d", "Adam", "calculate_gain".</summary>
    public string Kind { get; }

    /// <summary>The whole case, for fields without a typed accessor.</summary>
    public JsonElement Json { get; }

    /// <summary>The constructor kwargs (an empty object when the case has none).</summary>
    public JsonElement Args => Json.TryGetProperty("args", out JsonElement a) ? a : default;

    /// <summary>True when the case has the field <paramref name="field"/>.</summary>
    public bool Has(string field) => Json.TryGetProperty(field, out _);

    /// <summary>True when <see cref="Args"/> has the argument <paramref name="name"/> (even if null).</summary>
    public bool HasArg(string name) =>
        Args.ValueKind == JsonValueKind.Object && Args.TryGetProperty(name, out _);

    /// <summary>An argument as a double, or <paramref name="fallback"/> when absent or null.</summary>
    public double ArgDouble(string name, double fallback) =>
        TryArg(name, out JsonElement v) ? v.GetDouble() : fallback;

    /// <summary>An argument as an int, or <paramref name="fallback"/> when absent or null.</summary>
    public int ArgInt(string name, int fallback) =>
        TryArg(name, out JsonElement v) ? v.GetInt32() : fallback;

    /// <summary>An argument as a bool, or <paramref name="fallback"/> when absent or null.</summary>
    public bool ArgBool(string name, bool fallback) =>
        TryArg(name, out JsonElement v) ? v.GetBoolean() : fallback;

    /// <summary>An argument as a string, or <paramref name="fallback"/> when absent or null.</summary>
    public string ArgString(string name, string fallback) =>
        TryArg(name, out JsonElement v) ? v.GetString() ?? fallback : fallback;

    /// <summary>
    /// An argument that PyTorch accepts as an int or a tuple, as <paramref name="rank"/> ints (a single
    /// int is repeated), or <paramref name="fallback"/> repeated when absent.
    /// </summary>
    public int[] ArgInts(string name, int rank, int fallback)
    {
        var result = new int[rank];
        if (!TryArg(name, out JsonElement v))
        {
            Array.Fill(result, fallback);
        }
        else if (v.ValueKind == JsonValueKind.Number)
        {
            Array.Fill(result, v.GetInt32());
        }
        else
        {
            if (v.GetArrayLength() != rank)
            {
                throw new InvalidDataException(
                    $"reference case {Name}: argument {name} has {v.GetArrayLength()} values, expected {rank}");
            }
            int i = 0;
            foreach (JsonElement e in v.EnumerateArray())
            {
                result[i++] = e.GetInt32();
            }
        }
        return result;
    }

    /// <summary>A tensor-valued argument (e.g. a loss weight), or null when absent.</summary>
    public ReferenceTensor? ArgTensor(string name) =>
        TryArg(name, out JsonElement v) ? ReferenceTensor.FromJson(v) : null;

    /// <summary>A tensor field; throws if absent or null.</summary>
    public ReferenceTensor Tensor(string field) =>
        TensorOrNull(field) ?? throw new InvalidDataException($"reference case {Name}: no tensor '{field}'");

    /// <summary>A tensor field, or null when the field is absent or null.</summary>
    public ReferenceTensor? TensorOrNull(string field) =>
        Json.TryGetProperty(field, out JsonElement v) && v.ValueKind != JsonValueKind.Null
            ? ReferenceTensor.FromJson(v)
            : null;

    /// <summary>A list of tensors (e.g. "inputs", "grad_inputs"); null entries stay null.</summary>
    public IReadOnlyList<ReferenceTensor?> Tensors(string field) => ReadTensorList(Field(field));

    /// <summary>A list of lists of tensors (optimizers' "grads" and "params", indexed [step][parameter]).</summary>
    public IReadOnlyList<IReadOnlyList<ReferenceTensor?>> TensorLists(string field)
    {
        var result = new List<IReadOnlyList<ReferenceTensor?>>();
        foreach (JsonElement inner in Field(field).EnumerateArray())
        {
            result.Add(ReadTensorList(inner));
        }
        return result;
    }

    /// <summary>A map of name to tensor (e.g. "params", "grad_params", "buffers_after"); empty when absent.</summary>
    public IReadOnlyDictionary<string, ReferenceTensor> TensorMap(string field)
    {
        var result = new Dictionary<string, ReferenceTensor>();
        if (Json.TryGetProperty(field, out JsonElement map))
        {
            foreach (JsonProperty p in map.EnumerateObject())
            {
                result.Add(p.Name, ReferenceTensor.FromJson(p.Value));
            }
        }
        return result;
    }

    /// <summary>A number field (e.g. "value", "bound", "lr_initial").</summary>
    public double Number(string field) => Field(field).GetDouble();

    /// <summary>A list of numbers (e.g. schedules' "lr", "metrics").</summary>
    public double[] Numbers(string field)
    {
        JsonElement array = Field(field);
        var result = new double[array.GetArrayLength()];
        int i = 0;
        foreach (JsonElement v in array.EnumerateArray())
        {
            result[i++] = v.GetDouble();
        }
        return result;
    }

    /// <summary>The case name.</summary>
    public override string ToString() => Name;

    private JsonElement Field(string field) =>
        Json.TryGetProperty(field, out JsonElement v)
            ? v
            : throw new InvalidDataException($"reference case {Name}: no field '{field}'");

    private bool TryArg(string name, out JsonElement value)
    {
        if (Args.ValueKind == JsonValueKind.Object
            && Args.TryGetProperty(name, out value)
            && value.ValueKind != JsonValueKind.Null)
        {
            return true;
        }
        value = default;
        return false;
    }

    private static List<ReferenceTensor?> ReadTensorList(JsonElement array)
    {
        var result = new List<ReferenceTensor?>();
        foreach (JsonElement e in array.EnumerateArray())
        {
            result.Add(e.ValueKind == JsonValueKind.Null ? null : ReferenceTensor.FromJson(e));
        }
        return result;
    }
}
