using System.Globalization;
using System.Text.Json;

namespace Avalon.Training.Checkpoints;

/// <summary>
/// Writes a scheduler's state dict as the checkpoint's <c>scheduler</c> value,
/// <c>{"type": "StepLR", "state": {"last_epoch": 3, "base_lrs": [0.1], ...}}</c>, and reads it back.
/// Numbers keep their type as in the optimiser's value (an integer never has a fraction, a double
/// always has one; non-finite doubles as <c>{"double": "Infinity"}</c>).
/// </summary>
internal static class SchedulerStateJson
{
    public static void Write(Utf8JsonWriter json, SchedulerCheckpointState state)
    {
        json.WriteStartObject();
        json.WriteString("type", state.Type);
        json.WriteStartObject("state");
        foreach (var (key, value) in state.State)
        {
            json.WritePropertyName(key);
            switch (value)
            {
                case double d: OptimizerStateJson.WriteDouble(json, d); break;
                case float f: OptimizerStateJson.WriteDouble(json, f); break;
                case int or long or short or byte: json.WriteNumberValue(Convert.ToInt64(value, CultureInfo.InvariantCulture)); break;
                case bool b: json.WriteBooleanValue(b); break;
                case string s: json.WriteStringValue(s); break;
                case double[] a:
                    json.WriteStartArray();
                    foreach (double d in a) OptimizerStateJson.WriteDouble(json, d);
                    json.WriteEndArray();
                    break;
                case int[] a:
                    json.WriteStartArray();
                    foreach (int i in a) json.WriteNumberValue(i);
                    json.WriteEndArray();
                    break;
                default:
                    throw OpErrors.NotSupported(
                        state.Type, $"scheduler state '{key}' is a {value?.GetType().Name ?? "null"}; checkpoints store numbers, bools, strings and lists of numbers.");
            }
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <exception cref="JsonException">The value is not in the documented form.</exception>
    public static SchedulerCheckpointState Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object) throw new JsonException("the scheduler value is not an object");
        if (!element.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(type.GetString()))
            throw new JsonException("the scheduler value has no 'type' string");
        if (!element.TryGetProperty("state", out var state) || state.ValueKind != JsonValueKind.Object)
            throw new JsonException("the scheduler value has no 'state' object");
        var values = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var property in state.EnumerateObject())
            values[property.Name] = ReadValue(property.Value, property.Name);
        return new SchedulerCheckpointState(type.GetString()!, values);
    }

    private static object ReadValue(JsonElement element, string name)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                return IsInteger(element) && element.TryGetInt64(out long l) ? l : element.GetDouble();
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.String: return element.GetString()!;
            case JsonValueKind.Object: return OptimizerStateJson.ReadDouble(element);
            case JsonValueKind.Array:
                var items = element.EnumerateArray().ToList();
                if (items.Count > 0 && items.All(e => e.ValueKind == JsonValueKind.Number && IsInteger(e) && e.TryGetInt64(out _)))
                    return items.Select(e => e.GetInt64()).ToArray();
                return items.Select(OptimizerStateJson.ReadDouble).ToArray();
            default:
                throw new JsonException($"scheduler state '{name}' has an unsupported JSON value {element.GetRawText()}");
        }
    }

    private static bool IsInteger(JsonElement number) => number.GetRawText().AsSpan().IndexOfAny('.', 'E', 'e') < 0;
}
