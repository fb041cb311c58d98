using System.Text.Json;

namespace Avalon.Interop.Safetensors;

/// <summary>One tensor's entry in a safetensors header.</summary>
/// <summary>One tensor of a header: <paramref name="ElementType"/> is the file's element type, <paramref name="DType"/> the dtype it loads as.</summary>
internal readonly record struct SafetensorsEntry(string Name, string ElementType, DType DType, int[] Shape, long Begin, long End);

/// <summary>
/// Parses and validates the JSON header of a safetensors file. Nothing in it is ever evaluated:
/// it is read as data and every field is checked against the format before any tensor memory is
/// allocated.
/// </summary>
internal static class SafetensorsHeader
{
    private static readonly JsonDocumentOptions s_options = new() { MaxDepth = 8, AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow };

    public const string MetadataKey = "__metadata__";

    /// <summary>
    /// The entries sorted by data offset, checked to tile <c>[0, dataLength)</c> exactly, and the metadata.
    /// </summary>
    public static (List<SafetensorsEntry> Entries, Dictionary<string, string> Metadata) Parse(ReadOnlyMemory<byte> header, long dataLength, string source)
    {
        if (header.Length == 0 || header.Span[0] != (byte)'{')
            throw Corrupt(source, "the header does not start with '{' (is this a safetensors file?)");
        if (!System.Text.Unicode.Utf8.IsValid(header.Span))
            throw Corrupt(source, "the header is not valid UTF-8");
        JsonDocument document;
        try
        {
            CountEntries(header.Span, source);
            document = JsonDocument.Parse(header, s_options);
        }
        catch (JsonException ex)
        {
            throw Corrupt(source, $"the header is not valid JSON ({ex.Message})", ex);
        }
        try
        {
            return Parse(document, dataLength, source);
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json raises this when a string escape decodes to invalid UTF-16 (a lone surrogate such as \ud800).
            throw Corrupt(source, $"the header holds a string that cannot be decoded ({ex.Message})", ex);
        }
    }

    /// <summary>
    /// Counts the header's top-level entries with a forward-only reader, before any of it is
    /// materialised, and rejects more than <see cref="SafetensorsFile.MaxTensorCount"/> tensors.
    /// </summary>
    private static void CountEntries(ReadOnlySpan<byte> header, string source)
    {
        var reader = new Utf8JsonReader(header, new JsonReaderOptions { MaxDepth = s_options.MaxDepth, CommentHandling = JsonCommentHandling.Disallow });
        long entries = 0;
        while (reader.Read())
        {
            if (reader.TokenType != JsonTokenType.PropertyName || reader.CurrentDepth != 1) continue;
            if (++entries > SafetensorsFile.MaxTensorCount + 1)
                throw Corrupt(source, $"the header holds more than {SafetensorsFile.MaxTensorCount} tensors, the limit (SafetensorsFile.MaxTensorCount)");
        }
    }

    private static (List<SafetensorsEntry> Entries, Dictionary<string, string> Metadata) Parse(JsonDocument document, long dataLength, string source)
    {
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Corrupt(source, $"the header must be a JSON object, got {root.ValueKind}");
            var entries = new List<SafetensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in root.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    throw Corrupt(source, $"the header names '{property.Name}' twice");
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(property.Value, metadata, source);
                }
                else
                {
                    entries.Add(ReadEntry(property.Name, property.Value, source));
                    if (entries.Count > SafetensorsFile.MaxTensorCount)
                        throw Corrupt(source, $"the header holds more than {SafetensorsFile.MaxTensorCount} tensors, the limit (SafetensorsFile.MaxTensorCount)");
                }
            }
            CheckLayout(entries, dataLength, source);
            return (entries, metadata);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Corrupt(source, $"'{MetadataKey}' must be an object of strings, got {value.ValueKind}");
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Corrupt(source, $"'{MetadataKey}' entry '{item.Name}' must be a string, got {item.Value.ValueKind}");
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
                throw Corrupt(source, $"'{MetadataKey}' names '{item.Name}' twice");
        }
    }

    private static SafetensorsEntry ReadEntry(string name, JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
            throw Corrupt(source, $"tensor '{name}' must be an object with dtype, shape and data_offsets, got {value.ValueKind}");
        JsonElement? dtypeValue = null, shapeValue = null, offsetsValue = null;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtypeValue is null: dtypeValue = field.Value; break;
                case "shape" when shapeValue is null: shapeValue = field.Value; break;
                case "data_offsets" when offsetsValue is null: offsetsValue = field.Value; break;
                case "dtype" or "shape" or "data_offsets":
                    throw Corrupt(source, $"tensor '{name}' gives '{field.Name}' twice");
                default:
                    throw Corrupt(source, $"tensor '{name}' has an unexpected field '{field.Name}' (expected dtype, shape, data_offsets)");
            }
        }
        if (dtypeValue is not { ValueKind: JsonValueKind.String } dt)
            throw Corrupt(source, $"tensor '{name}' needs a string 'dtype'");
        string dtypeName = dt.GetString()!;
        var elementType = SafetensorsDType.Parse(dtypeName);
        if (elementType is null)
        {
            if (SafetensorsDType.IsKnown(dtypeName))
                throw OpErrors.NotSupported("safetensors", $"{source}: tensor '{name}' has dtype {dtypeName}, which Avalon does not support (supported: {SafetensorsDType.Supported}).");
            throw Corrupt(source, $"tensor '{name}' has unknown dtype '{dtypeName}'");
        }
        if (shapeValue is not { ValueKind: JsonValueKind.Array } sh)
            throw Corrupt(source, $"tensor '{name}' needs a 'shape' array");
        if (sh.GetArrayLength() > SafetensorsFile.MaxRank)
            throw Corrupt(source, $"tensor '{name}' has {sh.GetArrayLength()} dimensions, more than the limit of {SafetensorsFile.MaxRank} (SafetensorsFile.MaxRank)");
        var shape = new int[sh.GetArrayLength()];
        long numel = 1;
        int d = 0;
        foreach (var dim in sh.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long size) || size < 0)
                throw Corrupt(source, $"tensor '{name}' has shape entry {dim.GetRawText()} at position {d}; expected a non-negative integer");
            if (size > int.MaxValue)
                throw Corrupt(source, $"tensor '{name}' has dimension {d} of size {size}, more than Avalon's limit of {int.MaxValue}");
            shape[d++] = (int)size;
            numel = numel == 0 || size == 0 ? 0 : numel * size;
            if (numel > int.MaxValue)
                throw Corrupt(source, $"tensor '{name}' has shape [{string.Join(", ", shape[..d])}...] with more than {int.MaxValue} elements");
        }
        if (offsetsValue is not { ValueKind: JsonValueKind.Array } off || off.GetArrayLength() != 2)
            throw Corrupt(source, $"tensor '{name}' needs 'data_offsets' as [begin, end]");
        var begin = off[0];
        var end = off[1];
        if (begin.ValueKind != JsonValueKind.Number || !begin.TryGetInt64(out long b) || b < 0 ||
            end.ValueKind != JsonValueKind.Number || !end.TryGetInt64(out long e) || e < 0)
            throw Corrupt(source, $"tensor '{name}' has data_offsets {off.GetRawText()}; expected two non-negative integers");
        if (e < b)
            throw Corrupt(source, $"tensor '{name}' has data_offsets [{b}, {e}] that end before they begin");
        var (elementSize, dtype) = ElementReader.Describe(elementType)!.Value;
        long expected = numel * elementSize;
        if (e - b != expected)
            throw Corrupt(source, $"tensor '{name}' of dtype {dtypeName} and shape [{string.Join(", ", shape)}] needs {expected} bytes, but data_offsets [{b}, {e}] span {e - b}");
        return new SafetensorsEntry(name, elementType, dtype, shape, b, e);
    }

    /// <summary>Sorts by offset and checks that the tensors tile the data area with no gap and no overlap.</summary>
    private static void CheckLayout(List<SafetensorsEntry> entries, long dataLength, string source)
    {
        entries.Sort((x, y) => x.Begin != y.Begin ? x.Begin.CompareTo(y.Begin) : x.End.CompareTo(y.End));
        long position = 0;
        string? previous = null;
        foreach (var entry in entries)
        {
            if (entry.End > dataLength)
                throw Corrupt(source, $"tensor '{entry.Name}' has data_offsets [{entry.Begin}, {entry.End}] past the end of the data ({dataLength} bytes)");
            if (entry.Begin < position)
                throw Corrupt(source, $"tensor '{entry.Name}' (data_offsets [{entry.Begin}, {entry.End}]) overlaps tensor '{previous}' which ends at {position}");
            if (entry.Begin > position)
                throw Corrupt(source, $"there is a gap of {entry.Begin - position} bytes before tensor '{entry.Name}' (data_offsets [{entry.Begin}, {entry.End}]); tensors must cover the data area exactly");
            position = entry.End;
            previous = entry.Name;
        }
        if (position != dataLength)
            throw Corrupt(source, $"the tensors cover {position} bytes but the data area holds {dataLength}; the file is truncated or has trailing bytes");
    }

    public static InvalidDataException Corrupt(string source, string problem, Exception? inner = null) =>
        new($"safetensors: {source}: {problem}.", inner);
}
