namespace Avalon.Interop.Safetensors;

public static partial class SafetensorsFile
{
    /// <summary>
    /// Opens a safetensors file memory-mapped: its header is read and validated exactly as
    /// <see cref="Read(string)"/> validates it, and no tensor data is read until a value is asked for.
    /// </summary>
    /// <param name="path">The file to map.</param>
    /// <returns>
    /// A lazy state dict over the file (dispose it to unmap the file): tensors in the order their data lies in
    /// the file, each read and widened like <see cref="Read(string)"/> gives it, so that
    /// <c>model.LoadStateDict(mapped)</c> allocates the tensors one at a time.
    /// </returns>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message says why.</exception>
    /// <exception cref="NotSupportedException">A tensor has a dtype Avalon cannot represent (C64, the 4-, 6- and 8-bit floats).</exception>
    public static MappedSafetensors Map(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var shard = MapShard(path);
        return new MappedSafetensors([shard], shard.Entries.Select(e => (0, e)).ToArray(), shard.Metadata);
    }

    /// <summary>
    /// Opens a sharded checkpoint memory-mapped: the index and every shard's header are read and checked as
    /// <see cref="ReadSharded"/> checks them, and no tensor data is read until a value is asked for.
    /// </summary>
    /// <param name="indexPath">The index file, for example <c>model.safetensors.index.json</c>.</param>
    /// <returns>A lazy state dict over every shard (dispose it to unmap them), tensors in the order of the weight map.</returns>
    /// <exception cref="InvalidDataException">The index or a shard is invalid, or they disagree (see <see cref="ReadSharded"/>).</exception>
    /// <exception cref="FileNotFoundException">The index, or a shard it names, does not exist.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    public static MappedSafetensors MapSharded(string indexPath)
    {
        var index = OpenIndex(indexPath);
        var shards = new List<MappedShard>();
        try
        {
            var position = new Dictionary<string, int>(StringComparer.Ordinal);
            var byName = new List<Dictionary<string, SafetensorsEntry>>();
            foreach (var (shard, shardPath) in index.Shards)
            {
                var mapped = MapShard(shardPath);
                shards.Add(mapped);
                CheckShardSet(index, shard, mapped.Metadata);
                position[shard] = shards.Count - 1;
                byName.Add(mapped.Entries.ToDictionary(e => e.Name, StringComparer.Ordinal));
            }
            CheckCoverage(index, index.Shards.Select((s, i) => (s.Shard, shards[i].Entries.Select(e => e.Name))),
                (shard, name) => byName[position[shard]].ContainsKey(name));
            var entries = index.WeightMap.Select(m => (position[m.Value], byName[position[m.Value]][m.Key])).ToArray();
            return new MappedSafetensors([.. shards], entries, index.Metadata);
        }
        catch
        {
            foreach (var shard in shards) shard.Region.Dispose();
            throw;
        }
    }

    private static MappedShard MapShard(string path)
    {
        CheckByteOrder();
        string source = $"'{path}'";
        // Unbuffered: only the length prefix and the header are read through the stream.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        var (entries, metadata) = ReadHeader(stream, source);
        long dataStart = stream.Position;
        return new MappedShard(MappedRegion.Map(stream), dataStart, entries, metadata, source);
    }
}
