using System.IO.Compression;
using Avalon.Backends;

namespace Avalon.Interop.Torch;

public static partial class TorchFile
{
    /// <summary>
    /// Opens a <c>torch.save</c> file lazily: the pickle is read (by the same restricted unpickler as
    /// <see cref="Load(string)"/>) and every storage entry checked, but no tensor data is read until a value is
    /// asked for; stored entries are then copied from the memory-mapped file, deflated ones streamed.
    /// </summary>
    /// <param name="path">The file (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>).</param>
    /// <returns>
    /// A lazy state dict with the keys of <see cref="Load(string)"/> in its order, each tensor read as
    /// <see cref="Load(string)"/> gives it (dispose it to close the file), so that <c>model.LoadStateDict(mapped)</c>
    /// allocates the tensors one at a time. A legacy-format file is read whole when it opens.
    /// </returns>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid PyTorch file, names a global outside the allow-list, or a storage entry lies
    /// outside the file (its local header, or its data past the start of the central directory).
    /// </exception>
    /// <exception cref="NotSupportedException">The file holds a tensor of a dtype Avalon lacks.</exception>
    public static MappedTorchFile Map(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string source = Quote(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 12);
        try
        {
            if (Detect(stream, source) == TorchFileKind.Legacy)
            {
                var storages = new List<TorchStorageRef>();
                var loaded = Flatten<Tensor>(Guard(source, () => LoadLegacy(stream, source, storages)), source);
                var types = new Dictionary<Storage, TorchStorageType>(ReferenceEqualityComparer.Instance);
                foreach (var storage in storages) types[storage.Loaded!] = storage.Type;
                stream.Dispose();
                return new MappedTorchFile(source, loaded, types);
            }
            return Guard(source, () => MapZip(stream, source));
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static MappedTorchFile MapZip(FileStream stream, string source)
    {
        var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        MappedRegion? region = null;
        try
        {
            var zip = OpenZip(archive, stream.Length, source);
            var hooks = new TorchPickleHooks(source, loadStorage: null);
            var tensors = Flatten<TorchTensorRef>(Unpickle(zip, source, hooks), source);
            var layout = ZipDirectory.Read(stream, source);
            var storages = new Dictionary<string, MappedTorchFile.StorageSource>(StringComparer.Ordinal);
            bool deflated = false;
            // Every storage the pickle names is checked, as Load checks them when it reads them.
            foreach (var storage in hooks.Storages)
            {
                var entry = StorageEntry(zip, source, storage.Type, storage.Key, storage.Numel);
                if (!layout.TryGetValue(entry.FullName, out var location) || location.Size != entry.Length || location.CompressedSize != entry.CompressedLength)
                    throw new InvalidDataException($"torch: {source}: the central directory's record of '{entry.FullName}' disagrees with the zip reader's " +
                        $"({(location is null ? "none" : $"{location.CompressedSize} bytes for {location.Size}")} against {entry.CompressedLength} for {entry.Length}).");
                deflated |= location.Deflated;
                storages.Add(storage.Key, new(storage.Type, storage.Key, location.DataOffset, location.Deflated ? entry : null));
            }
            region = MappedRegion.Map(stream);
            if (!deflated)
            {
                // Nothing is streamed: the mapping alone is kept.
                archive.Dispose();
                stream.Dispose();
                return new MappedTorchFile(source, tensors, storages, region, archive: null, stream: null);
            }
            return new MappedTorchFile(source, tensors, storages, region, archive, stream);
        }
        catch
        {
            region?.Dispose();
            archive.Dispose();
            throw;
        }
    }
}
