using System.Globalization;
using System.Text;
using System.Text.Json;
using Avalon.Optim;

namespace Avalon.Training.Checkpoints;

/// <summary>
/// Converts an <see cref="OptimizerStateDict"/> to the checkpoint form (tensors apart, everything else
/// as one JSON document) and back. The JSON keeps each value's type: a floating-point number always
/// has a fraction or an exponent (<c>3.0</c>), an integer never does (<c>3</c>), and a non-finite
/// double is written as <c>{"double": "NaN"}</c>, so a step count read back has the type it was saved
/// with and resuming is bit-exact.
/// </summary>
/// <remarks>
/// The document: <c>{"type": "Adam", "param_groups": [{"lr": 0.001, ..., "params": [0, 1]}],
/// "state": {"0": {"step": 3.0}}}</c>; see <c>docs/checkpoint-format.md</c>.
/// </remarks>
internal static class OptimizerStateJson
{
    private const string TypeKey = "type";
    private const string GroupsKey = "param_groups";
    private const string StateKey = "state";
    private const string ParamsKey = "params";
    private const string DoubleKey = "double";

    /// <summary>Splits <paramref name="stateDict"/> into tensors by parameter index and a JSON document.</summary>
    public static OptimizerCheckpointState ToCheckpointState(OptimizerStateDict stateDict, string optimizerType)
    {
        var tensors = new Dictionary<int, IReadOnlyDictionary<string, Tensor>>();
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString(TypeKey, optimizerType);
            json.WriteStartArray(GroupsKey);
            foreach (var group in stateDict.ParamGroups)
            {
                json.WriteStartObject();
                foreach (var (name, value) in group.Options)
                {
                    if (name == ParamsKey)
                        throw OpErrors.Argument(optimizerType, $"a parameter group has a hyperparameter named '{ParamsKey}', which the checkpoint format reserves for the parameter indices.");
                    json.WritePropertyName(name);
                    WriteValue(json, value, optimizerType, $"param_groups hyperparameter '{name}'");
                }
                json.WriteStartArray(ParamsKey);
                foreach (int index in group.Params) json.WriteNumberValue(index);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartObject(StateKey);
            foreach (var (index, state) in stateDict.State.OrderBy(s => s.Key))
            {
                Dictionary<string, Tensor>? own = null;
                bool opened = false;
                foreach (var (name, value) in state)
                {
                    if (value is Tensor t)
                    {
                        (own ??= new(StringComparer.Ordinal)).Add(name, t);
                        continue;
                    }
                    if (!opened)
                    {
                        json.WriteStartObject(index.ToString(CultureInfo.InvariantCulture));
                        opened = true;
                    }
                    json.WritePropertyName(name);
                    WriteValue(json, value, optimizerType, $"state[{index}]['{name}']");
                }
                if (opened) json.WriteEndObject();
                if (own is not null) tensors.Add(index, own);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return new OptimizerCheckpointState(tensors, Encoding.UTF8.GetString(buffer.ToArray()));
    }

    /// <summary>The optimiser type recorded in <paramref name="state"/>, or <see langword="null"/> when the document names none.</summary>
    public static string? TypeOf(OptimizerCheckpointState state)
    {
        using var document = JsonDocument.Parse(state.Json);
        return document.RootElement.ValueKind == JsonValueKind.Object &&
               document.RootElement.TryGetProperty(TypeKey, out var type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()
            : null;
    }

    /// <summary>Rebuilds the state dict from the checkpoint form.</summary>
    /// <exception cref="InvalidDataException">The JSON document is not in the documented form.</exception>
    public static OptimizerStateDict ToStateDict(OptimizerCheckpointState state, string source)
    {
        var groups = new List<ParamGroupState>();
        var result = new Dictionary<int, Dictionary<string, object>>();
        try
        {
            using var document = JsonDocument.Parse(state.Json);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new JsonException("expected a JSON object");
            foreach (var group in root.GetProperty(GroupsKey).EnumerateArray())
            {
                if (group.ValueKind != JsonValueKind.Object) throw new JsonException("a parameter group is not a JSON object");
                int[]? indices = null;
                var options = new Dictionary<string, object>(StringComparer.Ordinal);
                foreach (var property in group.EnumerateObject())
                {
                    if (property.Name == ParamsKey)
                    {
                        indices = [.. property.Value.EnumerateArray().Select(e => e.GetInt32())];
                        continue;
                    }
                    options[property.Name] = ReadValue(property.Value, property.Name);
                }
                groups.Add(new ParamGroupState(indices ?? throw new JsonException($"a parameter group has no '{ParamsKey}'"), options));
            }
            // Avalon always writes "state" (empty when no parameter has state yet), so a missing one means a damaged value.
            var stateElement = root.TryGetProperty(StateKey, out var found) ? found : throw new JsonException($"the value has no '{StateKey}' object");
            {
                foreach (var entry in stateElement.EnumerateObject())
                {
                    if (!int.TryParse(entry.Name, NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                        throw new JsonException($"state key '{entry.Name}' is not a parameter index");
                    var values = new Dictionary<string, object>(StringComparer.Ordinal);
                    foreach (var property in entry.Value.EnumerateObject())
                        values[property.Name] = ReadValue(property.Value, property.Name);
                    result[index] = values;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"{source}: the optimiser state is malformed ({ex.Message}).", ex);
        }
        foreach (var (index, tensors) in state.State)
        {
            if (!result.TryGetValue(index, out var values)) result[index] = values = new(StringComparer.Ordinal);
            foreach (var (name, tensor) in tensors)
            {
                if (!values.TryAdd(name, tensor))
                    throw new InvalidDataException($"{source}: optimiser state '{name}' of parameter {index} is stored both as a tensor and as a JSON value.");
            }
        }
        return new OptimizerStateDict(result, groups);
    }

    private static void WriteValue(Utf8JsonWriter json, object value, string optimizerType, string what)
    {
        switch (value)
        {
            case double d:
                WriteDouble(json, d);
                break;
            case float f:
                WriteDouble(json, f);
                break;
            case long or int or short or byte or uint:
                json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case double[] array:
                json.WriteStartArray();
                foreach (double d in array) WriteDouble(json, d);
                json.WriteEndArray();
                break;
            default:
                throw OpErrors.NotSupported(
                    optimizerType, $"{what} is a {value?.GetType().Name ?? "null"}; checkpoints store tensors, numbers, bools, strings and lists of numbers.");
        }
    }

    internal static void WriteDouble(Utf8JsonWriter json, double d)
    {
        if (!double.IsFinite(d))
        {
            json.WriteStartObject();
            json.WriteString(DoubleKey, d.ToString(CultureInfo.InvariantCulture));
            json.WriteEndObject();
            return;
        }
        // Shortest round-trip form, spelled as Python's json writes it (1e-08, not 1E-08).
        string text = d.ToString("R", CultureInfo.InvariantCulture).Replace('E', 'e');
        if (text.AsSpan().IndexOfAny('.', 'e') < 0) text += ".0";
        json.WriteRawValue(text, skipInputValidation: true);
    }

    private static object ReadValue(JsonElement element, string name) => element.ValueKind switch
    {
        // The casts keep a long a long: without them the conditional's type would be double.
        JsonValueKind.Number => IsInteger(element.GetRawText()) && element.TryGetInt64(out long l) ? (object)l : (object)element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Array => element.EnumerateArray().Select(ReadDouble).ToArray(),
        JsonValueKind.Object => ReadDouble(element),
        _ => throw new JsonException($"'{name}' has an unsupported JSON value {element.GetRawText()}"),
    };

    private static bool IsInteger(string raw) => raw.AsSpan().IndexOfAny('.', 'E', 'e') < 0;

    internal static double ReadDouble(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Number) return element.GetDouble();
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(DoubleKey, out var text) && text.ValueKind == JsonValueKind.String &&
            double.TryParse(text.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d))
            return d;
        throw new JsonException($"expected a number, got {element.GetRawText()}");
    }
}
