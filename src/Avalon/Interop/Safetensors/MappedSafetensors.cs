using Avalon.Data;

namespace Avalon.Interop.Safetensors;

/// <summary>
/// A safetensors file, or a sharded checkpoint's shards, mapped into memory: the header is read and
/// validated as <see cref="SafetensorsFile.Read(string)"/> validates it, and each tensor is copied from the
/// mapping into a new tensor (widened as <c>Read</c> widens it) only when its value is read. Made by
/// <see cref="SafetensorsFile.Map"/> and <see cref="SafetensorsFile.MapSharded"/>.
/// </summary>
/// <remarks>See <see cref="MappedStateDict"/> for what is read when and for disposal.</remarks>
public sealed class MappedSafetensors : MappedStateDict
{
    private readonly MappedShard[] _shards;
    private readonly (int Shard, SafetensorsEntry Entry)[] _entries;

    internal MappedSafetensors(MappedShard[] shards, (int Shard, SafetensorsEntry Entry)[] entries, IReadOnlyDictionary<string, string> metadata)
        : base(entries.Select(e => new StoredTensorInfo(e.Entry.Name, e.Entry.DType, e.Entry.Shape, e.Entry.ElementType)).ToArray())
    {
        _shards = shards;
        _entries = entries;
        Metadata = metadata;
    }

    /// <summary>
    /// The file's <c>__metadata__</c> entries (empty when it has none); for a sharded checkpoint, the
    /// index's <c>metadata</c>, as <see cref="SafetensorsFile.ReadSharded"/> gives them.
    /// </summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private protected override Tensor Materialize(int index)
    {
        var entry = _entries[index].Entry;
        var data = HostTensors.NewArray(entry.DType, ShapeUtil.Numel(entry.Shape));
        ReadInto(index, data, 0);
        return HostTensors.Wrap(data, entry.DType, (int[])entry.Shape.Clone());
    }

    private protected override bool ReadInto(int index, Array array, int start)
    {
        var (shard, entry) = _entries[index];
        using var stream = Open(shard, entry);
        ElementReader.Read(stream, entry.ElementType, array, ShapeUtil.Numel(entry.Shape), What(shard, entry), start);
        return true;
    }

    private protected override void CheckData(int index)
    {
        var (shard, entry) = _entries[index];
        if (!ElementReader.HasInvalidValues(entry.ElementType)) return;   // the header fixed the length; every byte pattern is a value
        using var stream = Open(shard, entry);
        ElementReader.Check(stream, entry.ElementType, ShapeUtil.Numel(entry.Shape), What(shard, entry));
    }

    private protected override void Release()
    {
        foreach (var shard in _shards) shard.Region.Dispose();
    }

    private UnmanagedMemoryStream Open(int shard, SafetensorsEntry entry) =>
        _shards[shard].Region.Open(_shards[shard].DataStart + entry.Begin, entry.End - entry.Begin);

    private string What(int shard, SafetensorsEntry entry) => $"safetensors: {_shards[shard].Source}: tensor '{entry.Name}'";
}

/// <summary>One mapped safetensors file: the mapping, where its data area starts, its validated entries and metadata.</summary>
internal sealed record MappedShard(MappedRegion Region, long DataStart, List<SafetensorsEntry> Entries, Dictionary<string, string> Metadata, string Source);
