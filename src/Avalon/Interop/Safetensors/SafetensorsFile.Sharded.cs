using System.Globalization;
using System.Text.Json;

namespace Avalon.Interop.Safetensors;

public static partial class SafetensorsFile
{
    /// <summary>The conventional name of a sharded checkpoint's index (Hugging Face's): <c>model.safetensors.index.json</c>.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>True when <paramref name="path"/> names a shard index (it ends with <c>.safetensors.index.json</c>).</summary>
    /// <param name="path">A file path.</param>
    public static bool IsIndex(string path) => path.EndsWith(".safetensors.index.json", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Reads a sharded checkpoint: the index <c>{"metadata": {...}, "weight_map": {"tensor": "shard file"}}</c>
    /// and every shard it names, which must lie in the index's folder.
    /// </summary>
    /// <param name="indexPath">The index file, for example <c>model.safetensors.index.json</c>.</param>
    /// <returns>
    /// All tensors, in the order of the weight map; the index's <c>metadata</c> entries as strings (numbers
    /// in their JSON text, for example <c>total_size</c>).
    /// </returns>
    /// <exception cref="InvalidDataException">
    /// The index is malformed, names a shard outside its folder (a path, not a file name), a shard lacks a
    /// tensor the map assigns to it or holds one the map does not, or a shard is invalid.
    /// </exception>
    /// <exception cref="IOException">A file cannot be read (for example <see cref="FileNotFoundException"/> for a missing shard).</exception>
    public static SafetensorsContent ReadSharded(string indexPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexPath);
        string source = $"'{indexPath}'";
        var info = new FileInfo(indexPath);
        if (!info.Exists) throw new FileNotFoundException($"safetensors: the index {source} does not exist.", indexPath);
        if (info.Length > MaxHeaderLength)
            throw SafetensorsHeader.Corrupt(source, $"the index holds {info.Length} bytes, more than the limit of {MaxHeaderLength}");
        var (weightMap, metadata) = ParseIndex(File.ReadAllBytes(indexPath), source);
        string folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var byShard = new Dictionary<string, SafetensorsContent>(StringComparer.Ordinal);
        foreach (var shard in weightMap.Values.Distinct(StringComparer.Ordinal))
        {
            string shardPath = Path.Combine(folder, shard);
            // A link may point anywhere: the shard's real location must be in the folder too.
            var target = new FileInfo(shardPath).ResolveLinkTarget(returnFinalTarget: true);
            if (target is not null && !string.Equals(Path.GetDirectoryName(Path.GetFullPath(target.FullName)), folder, StringComparison.Ordinal))
                throw SafetensorsHeader.Corrupt(source, $"shard '{shard}' is a link to '{target.FullName}', outside the index's folder");
            byShard[shard] = Read(shardPath);
        }
        var tensors = new Dictionary<string, Tensor>(weightMap.Count, StringComparer.Ordinal);
        foreach (var (name, shard) in weightMap)
        {
            if (!byShard[shard].Tensors.TryGetValue(name, out var tensor))
                throw SafetensorsHeader.Corrupt(source, $"tensor '{name}' is mapped to shard '{shard}', which does not hold it");
            tensors.Add(name, tensor);
        }
        foreach (var (shard, content) in byShard)
        {
            foreach (var name in content.Tensors.Keys)
            {
                if (!weightMap.TryGetValue(name, out var mapped) || mapped != shard)
                    throw SafetensorsHeader.Corrupt(source, $"shard '{shard}' holds tensor '{name}', which the weight map {(mapped is null ? "does not name" : $"assigns to '{mapped}'")}");
            }
        }
        return new SafetensorsContent(tensors, metadata);
    }

    private static (OrderedDictionary<string, string> WeightMap, Dictionary<string, string> Metadata) ParseIndex(byte[] bytes, string source)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw SafetensorsHeader.Corrupt(source, $"the index is not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
                throw SafetensorsHeader.Corrupt(source, "the index must be a JSON object with a \"weight_map\" object");
            var weightMap = new OrderedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                    throw SafetensorsHeader.Corrupt(source, $"weight_map entry '{entry.Name}' must be a shard file name, got {entry.Value.ValueKind}");
                string shard = entry.Value.GetString()!;
                if (shard.Length == 0 || shard is "." or ".." || shard.IndexOfAny(['/', '\\', '\0']) >= 0 || Path.IsPathRooted(shard) || shard.Contains(':', StringComparison.Ordinal))
                    throw SafetensorsHeader.Corrupt(source, $"weight_map entry '{entry.Name}' names '{shard}', which is not a file name in the index's folder");
                if (!weightMap.TryAdd(entry.Name, shard))
                    throw SafetensorsHeader.Corrupt(source, $"weight_map names tensor '{entry.Name}' twice");
                if (weightMap.Count > MaxTensorCount * 100)
                    throw SafetensorsHeader.Corrupt(source, $"weight_map names more than {MaxTensorCount * 100} tensors");
            }
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object)
            {
                foreach (var item in meta.EnumerateObject())
                    metadata[item.Name] = item.Value.ValueKind == JsonValueKind.String ? item.Value.GetString()! : item.Value.GetRawText();
            }
            return (weightMap, metadata);
        }
    }

    /// <summary>
    /// Writes tensors as a sharded checkpoint: shards <c>&lt;stem&gt;-00001-of-0000N.safetensors</c> of at most
    /// <paramref name="maxShardBytes"/> of tensor data each (a larger tensor gets a shard of its own), and the
    /// index <paramref name="indexPath"/> with <c>metadata.total_size</c> and the <c>weight_map</c>, each file atomically.
    /// </summary>
    /// <param name="indexPath">The index to write; its name must end with <c>.safetensors.index.json</c> (the stem is what precedes it, <c>model</c> for <see cref="IndexFileName"/>).</param>
    /// <param name="tensors">The tensors by name, in the order to place them in shards.</param>
    /// <param name="maxShardBytes">The most tensor bytes per shard; positive.</param>
    /// <param name="metadata">The <c>__metadata__</c> of every shard; <see langword="null"/> for <c>{"format": "pt"}</c>, as Hugging Face's writers use.</param>
    /// <returns>The shard file names, in order.</returns>
    /// <exception cref="ArgumentException">The index name does not end with <c>.safetensors.index.json</c>, <paramref name="maxShardBytes"/> is not positive, or a tensor is invalid for <see cref="Write(string, IEnumerable{KeyValuePair{string, Tensor}}, IReadOnlyDictionary{string, string}?)"/>.</exception>
    public static IReadOnlyList<string> WriteSharded(string indexPath, IEnumerable<KeyValuePair<string, Tensor>> tensors, long maxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexPath);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!IsIndex(indexPath))
            throw OpErrors.Argument("SafetensorsFile.WriteSharded", $"the index '{indexPath}' must end with .safetensors.index.json.", nameof(indexPath));
        if (maxShardBytes <= 0)
            throw OpErrors.OutOfRange("SafetensorsFile.WriteSharded", nameof(maxShardBytes), maxShardBytes, "the shard size must be positive.");
        string name = Path.GetFileName(indexPath);
        string stem = name[..^".safetensors.index.json".Length];
        if (stem.Length == 0) stem = "model";
        var groups = new List<List<KeyValuePair<string, Tensor>>>();
        long current = 0, total = 0;
        foreach (var pair in tensors)
        {
            ArgumentNullException.ThrowIfNull(pair.Value, $"tensors['{pair.Key}']");
            long bytes = (long)pair.Value.Numel * pair.Value.DType.SizeOf();
            if (groups.Count == 0 || current > 0 && current + bytes > maxShardBytes)
            {
                groups.Add([]);
                current = 0;
            }
            groups[^1].Add(pair);
            current += bytes;
            total += bytes;
        }
        if (groups.Count == 0) groups.Add([]);
        metadata ??= new Dictionary<string, string> { ["format"] = "pt" };
        string folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var names = new List<string>();
        var weightMap = new List<KeyValuePair<string, string>>();
        for (int i = 0; i < groups.Count; i++)
        {
            string shard = string.Create(CultureInfo.InvariantCulture, $"{stem}-{i + 1:D5}-of-{groups.Count:D5}.safetensors");
            Write(Path.Combine(folder, shard), groups[i], metadata);
            names.Add(shard);
            foreach (var (key, _) in groups[i]) weightMap.Add(new(key, shard));
        }
        var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("metadata");
            writer.WriteNumber("total_size", total);
            writer.WriteEndObject();
            writer.WriteStartObject("weight_map");
            foreach (var (key, shard) in weightMap) writer.WriteString(key, shard);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        json.WriteByte((byte)'\n');
        var text = json.ToArray();
        AtomicFile.Write(indexPath, stream => stream.Write(text));
        return names;
    }
}
