using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Avalon.Data;

namespace Avalon.Interop.Safetensors;

public static partial class SafetensorsFile
{
    /// <summary>Writes tensors to a safetensors file, atomically (a temporary file renamed over <paramref name="path"/>).</summary>
    /// <param name="path">The file to write; an existing file is replaced only once the new one is complete.</param>
    /// <param name="tensors">The tensors by name (any order; CPU tensors of a supported dtype).</param>
    /// <param name="metadata">Free-form string entries for <c>__metadata__</c>; <see langword="null"/> or empty for none.</param>
    /// <exception cref="ArgumentException">A name is empty, repeated or <c>__metadata__</c>.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var plan = Plan(tensors, metadata);
        AtomicFile.Write(path, stream => WritePlan(stream, plan));
    }

    /// <summary>Writes tensors in the safetensors format to <paramref name="stream"/>.</summary>
    /// <param name="stream">A writable stream.</param>
    /// <param name="tensors">The tensors by name (any order; CPU tensors of a supported dtype).</param>
    /// <param name="metadata">Free-form string entries for <c>__metadata__</c>; <see langword="null"/> or empty for none.</param>
    /// <exception cref="ArgumentException">A name is empty, repeated or <c>__metadata__</c>.</exception>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        WritePlan(stream, Plan(tensors, metadata));
    }

    private sealed record WritePlanData(byte[] Header, List<KeyValuePair<string, Tensor>> Ordered);

    private static WritePlanData Plan(IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        CheckByteOrder();
        var ordered = new List<KeyValuePair<string, Tensor>>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (string.IsNullOrEmpty(name))
                throw OpErrors.Argument("safetensors", "a tensor name is null or empty.", nameof(tensors));
            if (name == SafetensorsHeader.MetadataKey)
                throw OpErrors.Argument("safetensors", $"'{SafetensorsHeader.MetadataKey}' is reserved for metadata and cannot name a tensor.", nameof(tensors));
            if (!names.Add(name))
                throw OpErrors.Argument("safetensors", $"the tensor name '{name}' is given twice.", nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor, $"tensors['{name}']");
            if (tensor.Device != Device.Cpu)
                throw OpErrors.Argument("safetensors", $"tensor '{name}' is on {tensor.Device}; move it with .To(Device.Cpu) before saving.", nameof(tensors));
            _ = SafetensorsDType.Name(tensor.DType);
            if (tensor.Rank > MaxRank)
                throw OpErrors.Argument("safetensors", $"tensor '{name}' has {tensor.Rank} dimensions, more than the reader's limit of {MaxRank} (SafetensorsFile.MaxRank).", nameof(tensors));
            ordered.Add(new(name, tensor));
        }
        if (ordered.Count > MaxTensorCount)
            throw OpErrors.Argument("safetensors", $"{ordered.Count} tensors are more than the reader's limit of {MaxTensorCount} (SafetensorsFile.MaxTensorCount); split them over several files.", nameof(tensors));
        // The reference writer's order: descending dtype alignment, then name by UTF-8 bytes.
        ordered.Sort((x, y) =>
        {
            int byDType = SafetensorsDType.AlignmentRank(y.Value.DType).CompareTo(SafetensorsDType.AlignmentRank(x.Value.DType));
            return byDType != 0 ? byDType : CompareUtf8(x.Key, y.Key);
        });

        var json = new StringBuilder("{");
        if (metadata is { Count: > 0 })
        {
            json.Append("\"__metadata__\":{");
            var keys = metadata.Keys.ToList();
            keys.Sort(CompareUtf8);
            for (int i = 0; i < keys.Count; i++)
            {
                if (i > 0) json.Append(',');
                string value = metadata[keys[i]] ?? throw OpErrors.Argument("safetensors", $"metadata entry '{keys[i]}' is null.", nameof(metadata));
                AppendString(json, keys[i]).Append(':');
                AppendString(json, value);
            }
            json.Append('}');
        }
        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            if (json.Length > 1) json.Append(',');
            long length = (long)tensor.Numel * tensor.DType.SizeOf();
            AppendString(json, name).Append(":{\"dtype\":\"").Append(SafetensorsDType.Name(tensor.DType)).Append("\",\"shape\":[");
            json.AppendJoin(',', tensor.Shape.ToArray());
            json.Append(CultureInfo.InvariantCulture, $"],\"data_offsets\":[{offset},{offset + length}]}}");
            offset += length;
        }
        json.Append('}');
        int size = Encoding.UTF8.GetByteCount(json.ToString());
        int padded = (size + 7) / 8 * 8;
        var header = new byte[padded];
        Encoding.UTF8.GetBytes(json.ToString(), header);
        header.AsSpan(size).Fill((byte)' ');
        if (header.Length > MaxHeaderLength)
            throw OpErrors.Argument("safetensors", $"the header would take {header.Length} bytes, more than the format's limit of {MaxHeaderLength}.", nameof(tensors));
        return new WritePlanData(header, ordered);
    }

    private static void WritePlan(Stream stream, WritePlanData plan)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)plan.Header.Length);
        stream.Write(prefix);
        stream.Write(plan.Header);
        foreach (var (_, tensor) in plan.Ordered)
        {
            stream.Write(HostTensors.Bytes(tensor));
        }
    }

    private static int CompareUtf8(string x, string y)
    {
        if (Ascii.IsValid(x) && Ascii.IsValid(y)) return string.CompareOrdinal(x, y);
        return Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y));
    }

    /// <summary>A JSON string escaped as serde_json and Python's <c>json.dumps(ensure_ascii=False)</c> do: quote, backslash and control characters only.</summary>
    private static StringBuilder AppendString(StringBuilder json, string value)
    {
        json.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': json.Append("\\\""); break;
                case '\\': json.Append("\\\\"); break;
                case '\n': json.Append("\\n"); break;
                case '\r': json.Append("\\r"); break;
                case '\t': json.Append("\\t"); break;
                case '\b': json.Append("\\b"); break;
                case '\f': json.Append("\\f"); break;
                default:
                    if (c < 0x20) json.Append(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}");
                    else json.Append(c);
                    break;
            }
        }
        return json.Append('"');
    }
}
