using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Avalon.Interop.Safetensors;

public static partial class SafetensorsFile
{
    /// <summary>The conventional name of a sharded checkpoint's index (Hugging Face's): <c>model.safetensors.index.json</c>.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>
    /// The metadata key, in the index and in each shard Avalon writes, whose value (random, one per
    /// <see cref="WriteSharded"/>) ties the shards to their index: when the index has it, every shard must
    /// carry the same value, so shards left from an interrupted or another save are detected, not mixed in.
    /// </summary>
    public const string ShardSetKey = "avalon_shard_set";

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
    /// tensor the map assigns to it or holds one the map does not, a shard is from another save than the
    /// index (<see cref="ShardSetKey"/>), or a shard is invalid.
    /// </exception>
    /// <exception cref="FileNotFoundException">The index, or a shard it names, does not exist (the message names both).</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static SafetensorsContent ReadSharded(string indexPath)
    {
        var index = OpenIndex(indexPath);
        var byShard = new Dictionary<string, SafetensorsContent>(StringComparer.Ordinal);
        foreach (var (shard, shardPath) in index.Shards)
        {
            var content = Read(shardPath);
            CheckShardSet(index, shard, content.Metadata);
            byShard[shard] = content;
        }
        CheckCoverage(index, byShard.Select(s => (s.Key, (IEnumerable<string>)s.Value.Tensors.Keys)), (shard, name) => byShard[shard].Tensors.ContainsKey(name));
        var tensors = new Dictionary<string, Tensor>(index.WeightMap.Count, StringComparer.Ordinal);
        foreach (var (name, shard) in index.WeightMap) tensors.Add(name, byShard[shard].Tensors[name]);
        return new SafetensorsContent(tensors, index.Metadata);
    }

    /// <summary>A parsed index: its weight map and metadata, and the path of every shard it names, each checked to exist in its folder.</summary>
    private sealed record ShardIndex(string Source, OrderedDictionary<string, string> WeightMap, Dictionary<string, string> Metadata, List<(string Shard, string Path)> Shards);

    private static ShardIndex OpenIndex(string indexPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(indexPath);
        string source = $"'{indexPath}'";
        var info = new FileInfo(indexPath);
        if (!info.Exists) throw new FileNotFoundException($"safetensors: the index {source} does not exist.", indexPath);
        if (info.Length > MaxHeaderLength)
            throw SafetensorsHeader.Corrupt(source, $"the index holds {info.Length} bytes, more than the limit of {MaxHeaderLength}");
        var (weightMap, metadata) = ParseIndex(File.ReadAllBytes(indexPath), source);
        string folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var shards = new List<(string Shard, string Path)>();
        foreach (var shard in weightMap.Values.Distinct(StringComparer.Ordinal))
        {
            string shardPath = Path.Combine(folder, shard);
            if (!File.Exists(shardPath))
                throw new FileNotFoundException($"safetensors: {source}: shard '{shard}', which the weight map names, does not exist in '{folder}'.", shardPath);
            // A link may point anywhere: the shard's real location must be in the folder too.
            var target = new FileInfo(shardPath).ResolveLinkTarget(returnFinalTarget: true);
            if (target is not null && !string.Equals(Path.GetDirectoryName(Path.GetFullPath(target.FullName)), folder, StringComparison.Ordinal))
                throw SafetensorsHeader.Corrupt(source, $"shard '{shard}' is a link to '{target.FullName}', outside the index's folder");
            shards.Add((shard, shardPath));
        }
        return new ShardIndex(source, weightMap, metadata, shards);
    }

    /// <summary>Refuses a shard whose <see cref="ShardSetKey"/> differs from the index's (when the index has one).</summary>
    private static void CheckShardSet(ShardIndex index, string shard, IReadOnlyDictionary<string, string> shardMetadata)
    {
        if (index.Metadata.TryGetValue(ShardSetKey, out var set) && (!shardMetadata.TryGetValue(ShardSetKey, out var own) || own != set))
            throw SafetensorsHeader.Corrupt(index.Source, $"shard '{shard}' is not from the save that wrote the index (its {ShardSetKey} is " +
                $"{(own is null ? "missing" : $"'{own}'")}, the index's '{set}'); an earlier save was interrupted or the files were mixed");
    }

    /// <summary>Refuses a weight map entry whose shard lacks the tensor, and a shard tensor the map does not assign to that shard.</summary>
    private static void CheckCoverage(ShardIndex index, IEnumerable<(string Shard, IEnumerable<string> Names)> shards, Func<string, string, bool> holds)
    {
        foreach (var (name, shard) in index.WeightMap)
        {
            if (!holds(shard, name))
                throw SafetensorsHeader.Corrupt(index.Source, $"tensor '{name}' is mapped to shard '{shard}', which does not hold it");
        }
        foreach (var (shard, names) in shards)
        {
            foreach (var name in names)
            {
                if (!index.WeightMap.TryGetValue(name, out var mapped) || mapped != shard)
                    throw SafetensorsHeader.Corrupt(index.Source, $"shard '{shard}' holds tensor '{name}', which the weight map {(mapped is null ? "does not name" : $"assigns to '{mapped}'")}");
            }
        }
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
    /// <paramref name="maxShardBytes"/> of tensor data each, in the order given (a larger tensor gets a shard of its own; an empty one never starts a shard), and the
    /// index <paramref name="indexPath"/> with <c>metadata.total_size</c> and the <c>weight_map</c>, as Hugging Face's
    /// <c>save_pretrained</c> writes them.
    /// </summary>
    /// <remarks>
    /// Each file is written atomically, the shards first and the index last; then shards of an earlier save
    /// to the same index (<c>&lt;stem&gt;-NNNNN-of-NNNNN.safetensors</c>) that the new index does not name are
    /// deleted. The index and every shard carry one random <see cref="ShardSetKey"/>, which
    /// <see cref="ReadSharded"/> checks: a save interrupted after it replaced some shards leaves a folder
    /// that is refused as mixed rather than read with the tensors of two saves.
    /// </remarks>
    /// <param name="indexPath">The index to write; its name must end with <c>.safetensors.index.json</c> (the stem is what precedes it, <c>model</c> for <see cref="IndexFileName"/>).</param>
    /// <param name="tensors">The tensors by name, in the order to place them in shards.</param>
    /// <param name="maxShardBytes">The most tensor bytes per shard; positive.</param>
    /// <param name="metadata">The <c>__metadata__</c> of every shard (with <see cref="ShardSetKey"/> added); <see langword="null"/> for <c>{"format": "pt"}</c>, as Hugging Face's writers use.</param>
    /// <returns>The shard file names, in order.</returns>
    /// <exception cref="ArgumentException">The index name does not end with <c>.safetensors.index.json</c>, <paramref name="maxShardBytes"/> is not positive, a name is given twice, or a tensor is invalid for <see cref="Write(string, IEnumerable{KeyValuePair{string, Tensor}}, IReadOnlyDictionary{string, string}?)"/>.</exception>
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
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in tensors)
        {
            ArgumentNullException.ThrowIfNull(pair.Value, $"tensors['{pair.Key}']");
            if (!seen.Add(pair.Key))
                throw OpErrors.Argument("SafetensorsFile.WriteSharded", $"the tensor name '{pair.Key}' is given twice.", nameof(tensors));
            long bytes = (long)pair.Value.Numel * pair.Value.DType.SizeOf();
            if (groups.Count == 0 || bytes > 0 && current > 0 && current + bytes > maxShardBytes)
            {
                groups.Add([]);
                current = 0;
            }
            groups[^1].Add(pair);
            current += bytes;
            total += bytes;
        }
        if (groups.Count == 0) groups.Add([]);
        string setId = Guid.NewGuid().ToString("N");
        var shardMetadata = new Dictionary<string, string>(metadata ?? new Dictionary<string, string> { ["format"] = "pt" }, StringComparer.Ordinal)
        {
            [ShardSetKey] = setId,
        };
        string folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var names = new List<string>();
        var weightMap = new List<KeyValuePair<string, string>>();
        for (int i = 0; i < groups.Count; i++)
        {
            string shard = string.Create(CultureInfo.InvariantCulture, $"{stem}-{i + 1:D5}-of-{groups.Count:D5}.safetensors");
            Write(Path.Combine(folder, shard), groups[i], shardMetadata);
            names.Add(shard);
            foreach (var (key, _) in groups[i]) weightMap.Add(new(key, shard));
        }
        var json = new MemoryStream();
        using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("metadata");
            writer.WriteNumber("total_size", total);
            writer.WriteString(ShardSetKey, setId);
            writer.WriteEndObject();
            writer.WriteStartObject("weight_map");
            foreach (var (key, shard) in weightMap) writer.WriteString(key, shard);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        json.WriteByte((byte)'\n');
        var text = json.ToArray();
        AtomicFile.Write(indexPath, stream => stream.Write(text));
        var stale = new Regex("^" + Regex.Escape(stem) + @"-[0-9]{5}-of-[0-9]{5}\.safetensors$", RegexOptions.CultureInvariant);
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            string fileName = Path.GetFileName(file);
            if (stale.IsMatch(fileName) && !names.Contains(fileName, StringComparer.Ordinal)) File.Delete(file);
        }
        return names;
    }
}
