using System.Buffers;
using System.IO.Compression;
using Avalon.Backends;

namespace Avalon.Interop.Torch;

/// <summary>
/// A <c>torch.save</c> file opened lazily (<see cref="TorchFile.Map"/>): the pickle is read by the restricted
/// unpickler and every storage entry checked when the file opens; a tensor's elements are read only when its
/// value is asked for — copied from the memory-mapped file for a stored entry (as <c>torch.save</c> writes
/// them), decompressed through the zip reader for a deflated one. A file in the legacy format (before
/// PyTorch 1.6) is read whole when it opens, since its storages' places are known only once every pickle is parsed.
/// </summary>
/// <remarks>
/// A tensor read from the view owns a copy of the storage elements its layout reaches (a contiguous tensor
/// exactly its own elements, a strided view the span from its first to its last), so tensors that share a
/// storage in the file do not share memory once read. See <see cref="MappedStateDict"/> for disposal.
/// </remarks>
public sealed class MappedTorchFile : MappedStateDict
{
    private readonly string _source;
    private readonly TorchTensorRef[]? _refs;
    private readonly Dictionary<string, StorageSource>? _storages;
    private readonly Tensor[]? _loaded;
    private readonly MappedRegion? _region;
    private readonly ZipArchive? _archive;
    private readonly FileStream? _stream;
    private readonly Lock _archiveLock = new();

    /// <summary>Where a storage's bytes are: a stored entry's offset in the mapping, or a deflated entry to stream.</summary>
    internal sealed record StorageSource(TorchStorageType Type, string Key, long DataOffset, ZipArchiveEntry? Deflated);

    internal MappedTorchFile(string source, OrderedDictionary<string, TorchTensorRef> tensors, Dictionary<string, StorageSource> storages,
        MappedRegion region, ZipArchive? archive, FileStream? stream)
        : base(tensors.Select(t => new StoredTensorInfo(t.Key, t.Value.Storage.Type.DType, t.Value.Shape, t.Value.Storage.Type.TorchDType)).ToArray())
    {
        _source = source;
        _refs = [.. tensors.Values];
        _storages = storages;
        _region = region;
        _archive = archive;
        _stream = stream;
    }

    internal MappedTorchFile(string source, OrderedDictionary<string, Tensor> loaded, IReadOnlyDictionary<Storage, TorchStorageType> types)
        : base(loaded.Select(t => new StoredTensorInfo(t.Key, t.Value.DType, t.Value.Shape, types[t.Value.Storage].TorchDType)).ToArray())
    {
        _source = source;
        _loaded = [.. loaded.Values];
    }

    /// <summary>False for a legacy-format file, which was read whole when it opened.</summary>
    public bool IsMapped => _region is not null;

    private protected override Tensor Materialize(int index)
    {
        if (_loaded is not null) return _loaded[index];
        var tensor = _refs![index];
        var (begin, end) = tensor.Extent;
        var type = tensor.Storage.Type;
        var array = type.NewArray(end - begin);
        ReadElements(tensor.Storage.Key, begin, end - begin, array, 0);
        var storage = Backend.For(Device.Cpu).FromHost(array, type.DType);
        return tensor.IsContiguous
            ? new Tensor(storage, (int[])tensor.Shape.Clone())
            : Tensor.OverStorage(storage, tensor.Shape, tensor.Strides, tensor.Offset - begin);
    }

    private protected override bool ReadInto(int index, Array array, int start)
    {
        if (_loaded is not null) return false;
        var tensor = _refs![index];
        if (!tensor.IsContiguous) return false;
        var (begin, end) = tensor.Extent;
        ReadElements(tensor.Storage.Key, begin, end - begin, array, start);
        return true;
    }

    private protected override void CheckData(int index)
    {
        if (_loaded is not null) return;
        var tensor = _refs![index];
        var source = _storages![tensor.Storage.Key];
        if (source.Deflated is { } entry)
        {
            // The whole entry is decompressed: its data must be intact and exactly the declared length.
            Guard(() =>
            {
                lock (_archiveLock)
                {
                    using var data = entry.Open();
                    ElementReader.Check(data, source.Type.TorchDType, tensor.Storage.Numel, What(source));
                    if (data.ReadByte() != -1)
                        throw new InvalidDataException($"torch: {What(source)}: the entry holds more than the {entry.Length} bytes it declares.");
                }
            });
        }
        else if (ElementReader.HasInvalidValues(source.Type.TorchDType))
        {
            var (begin, end) = tensor.Extent;
            using var data = _region!.Open(source.DataOffset + (long)begin * source.Type.ElementSize, (long)(end - begin) * source.Type.ElementSize);
            ElementReader.Check(data, source.Type.TorchDType, end - begin, What(source));
        }
    }

    private protected override void Release()
    {
        _region?.Dispose();
        _archive?.Dispose();
        _stream?.Dispose();
    }

    /// <summary>Reads storage elements [<paramref name="first"/>, first + count) of storage <paramref name="key"/> into <paramref name="array"/> from <paramref name="start"/>.</summary>
    private void ReadElements(string key, int first, int count, Array array, int start)
    {
        var source = _storages![key];
        long skip = (long)first * source.Type.ElementSize;
        if (source.Deflated is not { } entry)
        {
            using var data = _region!.Open(source.DataOffset + skip, (long)count * source.Type.ElementSize);
            ElementReader.Read(data, source.Type.TorchDType, array, count, "torch: " + What(source), start);
            return;
        }
        Guard(() =>
        {
            lock (_archiveLock)
            {
                using var data = entry.Open();
                Skip(data, skip);
                ElementReader.Read(data, source.Type.TorchDType, array, count, "torch: " + What(source), start);
            }
        });
    }

    private static void Skip(Stream stream, long bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(bytes, 1 << 16) + 1);
        try
        {
            while (bytes > 0)
            {
                int n = (int)Math.Min(bytes, buffer.Length);
                stream.ReadExactly(buffer, 0, n);
                bytes -= n;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Turns a damaged deflate stream's errors (which name neither the file nor the format) into ones that do.</summary>
    private void Guard(Action read)
    {
        try
        {
            read();
        }
        catch (Exception e) when (TorchFile.IsDamage(e) && e is not ObjectDisposedException)
        {
            throw TorchFile.Damaged(_source, e);
        }
    }

    private string What(StorageSource source) => $"{_source}: storage '{source.Key}'";
}
