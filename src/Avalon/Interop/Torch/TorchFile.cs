using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using Avalon.Interop.Torch.Pickle;

namespace Avalon.Interop.Torch;

/// <summary>
/// Reads and writes PyTorch's <c>torch.save</c> files: the zip format of PyTorch 1.6 and later (a
/// pickle, <c>&lt;archive&gt;/data.pkl</c>, whose tensors point at raw little-endian storages
/// <c>&lt;archive&gt;/data/&lt;key&gt;</c>) and, for reading, the legacy format before it (consecutive
/// pickles followed by the storages).
/// </summary>
/// <remarks>
/// <para>
/// Loading is what <c>torch.load(weights_only=True)</c> does: the pickle is read by Avalon's own
/// restricted unpickler, which builds plain values itself and admits only an allow-list of globals
/// (<see cref="AllowedGlobals"/>: the tensor rebuild functions, the storage classes,
/// <c>collections.OrderedDict</c>, <c>torch.Size</c>, a few builtins). Nothing in the file is executed;
/// any other global is an <see cref="InvalidDataException"/> naming it ("unsupported global: GLOBAL posix.system ...").
/// </para>
/// <para>
/// Tensors keep their layout: a non-contiguous tensor (a transpose, a slice with a step, an offset) is a
/// view, and tensors saved over one storage share one Avalon storage. float16 and bfloat16 load as
/// float32, int16, int8 and uint8 as int32 (exactly; Avalon has no narrower dtypes); complex and
/// quantised storages raise <see cref="NotSupportedException"/>. Storages are streamed from the file
/// into their tensors' memory, each once, after its declared size has been checked against the bytes
/// the file holds, so a load allocates about the tensors' size and no copy of the file. Storage entries
/// are stored, as <c>torch.save</c> writes them, or deflated (within deflate's largest ratio). Loaded
/// tensors are on the CPU and do not require gradients. <see cref="Map"/> opens a file lazily instead,
/// reading each tensor from the memory-mapped file only when it is asked for.
/// </para>
/// <para>
/// Every malformed input is an <see cref="InvalidDataException"/> naming the file and what is wrong.
/// Zip entry names are only matched, never used as paths: nothing is extracted. Still, a file with an
/// entry whose name is rooted or climbs out with <c>..</c> is refused, as no <c>torch.save</c> writes one.
/// </para>
/// </remarks>
public static partial class TorchFile
{
    /// <summary>The largest pickle (<c>data.pkl</c>) accepted: 1 GiB, far beyond any state dict's.</summary>
    public const long MaxPickleLength = 1L << 30;

    /// <summary>The deepest nesting of containers <see cref="Load(string)"/> flattens: 1,000.</summary>
    public const int MaxNesting = 1000;

    /// <summary>The globals a file may name besides the storage classes (<c>torch.FloatStorage</c>, ...): the allow-list.</summary>
    public static IReadOnlyList<string> AllowedGlobals => TorchPickleHooks.AllowedGlobals;

    /// <summary>
    /// Reads a <c>torch.save</c> file as a state dict: every tensor in it by dotted path, in file order.
    /// </summary>
    /// <param name="path">The file (<c>.pt</c>, <c>.pth</c>, <c>.bin</c>).</param>
    /// <returns>
    /// The tensors (CPU, sharing storage as saved). The top-level object must be a dict; a tensor nested in
    /// dicts or lists appears under the keys joined by '.' (list items by index), for example
    /// <c>model.fc.weight</c>; values that are not tensors (an epoch number, a string) are left out (see
    /// <see cref="LoadObject(string)"/> for them).
    /// </returns>
    /// <exception cref="InvalidDataException">The file is not a valid PyTorch file or names a global outside the allow-list.</exception>
    /// <exception cref="NotSupportedException">The file holds a tensor of a dtype Avalon lacks (complex, quantised) or uses a feature of formats before PyTorch 0.4.</exception>
    public static IReadOnlyDictionary<string, Tensor> Load(string path) => Flatten<Tensor>(LoadObject(path), Quote(path));

    /// <summary>Reads <c>torch.save</c> data from <paramref name="stream"/> as a state dict (see <see cref="Load(string)"/>).</summary>
    /// <param name="stream">A readable stream positioned at the start of the data; one that cannot seek is copied into memory first.</param>
    public static IReadOnlyDictionary<string, Tensor> Load(Stream stream) => Flatten<Tensor>(LoadObject(stream), "stream");

    /// <summary>
    /// Reads a <c>torch.save</c> file as the object it holds: dicts as <see cref="PickleDict"/>, lists as
    /// <see cref="List{T}"/> of <see cref="object"/>, tuples (and <c>torch.Size</c>) as <see cref="PickleTuple"/>,
    /// sets as <see cref="PickleSet"/>, tensors as <see cref="Tensor"/>, str as <see cref="string"/>, int
    /// as <see cref="long"/> (<see cref="BigInteger"/> beyond its range), float as <see cref="double"/>,
    /// bool, bytes as <see cref="byte"/> arrays, None as <see langword="null"/>.
    /// </summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">The file is not a valid PyTorch file or names a global outside the allow-list.</exception>
    /// <exception cref="NotSupportedException">The file holds a tensor of a dtype Avalon lacks.</exception>
    public static object? LoadObject(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return LoadObject(stream, Quote(path));
    }

    /// <summary>Reads <c>torch.save</c> data from <paramref name="stream"/> as the object it holds (see <see cref="LoadObject(string)"/>).</summary>
    /// <param name="stream">A readable stream positioned at the start of the data.</param>
    public static object? LoadObject(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return LoadObject(stream, "stream");
    }

    private static string Quote(string path) => $"'{path}'";

    private static object? LoadObject(Stream stream, string source)
    {
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        return Detect(stream, source) switch
        {
            TorchFileKind.Zip => Guard(source, () => LoadZip(stream, source)),
            _ => Guard(source, () => LoadLegacy(stream, source)),
        };
    }

    private enum TorchFileKind
    {
        Zip,
        Legacy,
    }

    /// <summary>Whether the data at the stream's position is a zip or a legacy-format file (the position is kept); refuses anything else.</summary>
    private static TorchFileKind Detect(Stream stream, string source)
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("torch: reading PyTorch files is implemented for little-endian machines only.");
        long start = stream.Position;
        Span<byte> magic = stackalloc byte[4];
        int got = stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        stream.Position = start;
        if (got >= 4 && magic.SequenceEqual("PK\u0003\u0004"u8)) return TorchFileKind.Zip;
        if (got >= 2 && magic[0] == 0x80) return TorchFileKind.Legacy;
        if (stream.Length - start >= 262)
        {
            Span<byte> tar = stackalloc byte[5];
            stream.Position = start + 257;
            stream.ReadExactly(tar);
            stream.Position = start;
            if (tar.SequenceEqual("ustar"u8))
                throw OpErrors.NotSupported("torch", $"{source}: the file is in the tar format of PyTorch before 0.4, which Avalon does not read; load and save it again with a newer PyTorch.");
        }
        throw new InvalidDataException($"torch: {source}: not a PyTorch file: it starts with neither a zip header (PK) nor a pickle (0x80); " +
            $"the first bytes are {Convert.ToHexString(magic[..got])}.");
    }

    /// <summary>Runs <paramref name="read"/>, turning the zip reader's errors, which name neither the file nor the format, into ones that do.</summary>
    private static T Guard<T>(string source, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (IsDamage(e))
        {
            throw Damaged(source, e);
        }
    }

    /// <summary>An error of the zip or deflate reader, or of a stream that ended early: the file is damaged.</summary>
    internal static bool IsDamage(Exception e) =>
        e is IOException and not FileNotFoundException or ArgumentOutOfRangeException ||
        e is InvalidDataException && !e.Message.StartsWith("torch: ", StringComparison.Ordinal);

    internal static InvalidDataException Damaged(string source, Exception e) =>
        new($"torch: {source}: the file is damaged or truncated ({e.Message}).", e);

    /// <summary>A zip written by <c>torch.save</c>, opened: its archive folder (<c>&lt;archive&gt;/</c>), its pickle's entry and bytes.</summary>
    private sealed record TorchZip(ZipArchive Archive, string Prefix, ZipArchiveEntry Pickle, byte[] PickleBytes, long FileLength);

    /// <summary>Checks the entry names, finds the pickle, checks the byte order and reads the pickle's bytes.</summary>
    private static TorchZip OpenZip(ZipArchive zip, long fileLength, string source)
    {
        ZipArchiveEntry? pickle = null;
        foreach (var entry in zip.Entries)
        {
            string name = entry.FullName;
            if (IsUnsafeEntryName(name))
                throw new InvalidDataException($"torch: {source}: zip entry '{name}' is an absolute path or climbs out of the archive with '..'; " +
                    "torch.save never writes such a name, so the file is refused.");
            int slash = name.IndexOf('/');
            if (slash > 0 && name.AsSpan(slash + 1).SequenceEqual("data.pkl"))
            {
                if (pickle is not null)
                    throw new InvalidDataException($"torch: {source}: the zip holds two pickles, '{pickle.FullName}' and '{name}'.");
                pickle = entry;
            }
        }
        if (pickle is null)
            throw new InvalidDataException($"torch: {source}: the zip holds no '<archive>/data.pkl'; it is not a file written by torch.save.");
        string prefix = pickle.FullName[..(pickle.FullName.IndexOf('/') + 1)];
        if (zip.GetEntry(prefix + "byteorder") is { } order)
        {
            string text = System.Text.Encoding.ASCII.GetString(ReadEntry(order, 16, fileLength, source));
            if (text != "little")
                throw OpErrors.NotSupported("torch", $"{source}: the storages are in '{text}' byte order; Avalon reads little-endian files only.");
        }
        return new TorchZip(zip, prefix, pickle, ReadEntry(pickle, MaxPickleLength, fileLength, source), fileLength);
    }

    /// <summary>Runs the restricted unpickler over the zip's pickle, which must end at its STOP opcode.</summary>
    private static object? Unpickle(TorchZip zip, string source, TorchPickleHooks hooks)
    {
        var reader = new PickleReader(zip.PickleBytes, source, hooks);
        var result = reader.Load();
        if (reader.Position != zip.PickleBytes.Length)
            throw new InvalidDataException($"torch: {source}: '{zip.Pickle.FullName}' has {zip.PickleBytes.Length - reader.Position} bytes after its STOP opcode.");
        return result;
    }

    /// <summary>
    /// The entry of storage <paramref name="key"/>, checked to hold exactly its <paramref name="numel"/> elements
    /// (stored, as <c>torch.save</c> writes it, or deflated within deflate's largest ratio).
    /// </summary>
    private static ZipArchiveEntry StorageEntry(TorchZip zip, string source, TorchStorageType type, string key, int numel)
    {
        string entryName = zip.Prefix + "data/" + key;
        var entry = zip.Archive.GetEntry(entryName)
            ?? throw new InvalidDataException($"torch: {source}: storage '{key}' has no entry '{entryName}' in the zip.");
        long bytes = (long)numel * type.ElementSize;
        if (entry.Length != bytes)
            throw new InvalidDataException($"torch: {source}: storage '{key}' ({type.Name}, {numel} elements) needs {bytes} bytes, but its entry holds {entry.Length}.");
        if (entry.CompressedLength > zip.FileLength || entry.Length > entry.CompressedLength * 1032 + 64)
            throw new InvalidDataException($"torch: {source}: storage entry '{entryName}' declares {entry.Length} bytes in {entry.CompressedLength} stored, more than the file ({zip.FileLength} bytes) or deflate can hold.");
        return entry;
    }

    private static object? LoadZip(Stream stream, string source)
    {
        using var archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true);
        var zip = OpenZip(archive, stream.Length, source);
        var hooks = new TorchPickleHooks(source, (type, key, numel) =>
        {
            var entry = StorageEntry(zip, source, type, key, numel);
            var array = type.NewArray(numel);
            using var data = entry.Open();
            type.Read(data, array, numel, $"{source}: storage '{key}'");
            return array;
        });
        return Unpickle(zip, source, hooks);
    }

    /// <summary>
    /// True for a zip entry name that would leave the archive's folder if it were extracted: a rooted
    /// path (<c>/x</c>, <c>\x</c>, <c>C:x</c>), a <c>..</c> segment, or a NUL character.
    /// </summary>
    private static bool IsUnsafeEntryName(string name)
    {
        if (name.Length == 0) return false;
        if (name[0] is '/' or '\\' || name.Contains('\0', StringComparison.Ordinal) || (name.Length >= 2 && name[1] == ':' && char.IsAsciiLetter(name[0])))
            return true;
        foreach (var segment in name.Split('/', '\\'))
            if (segment == "..") return true;
        return false;
    }

    /// <summary>An entry's bytes, refusing one longer than <paramref name="limit"/> or than the file could hold.</summary>
    private static byte[] ReadEntry(ZipArchiveEntry entry, long limit, long fileLength, string source)
    {
        // A deflated entry may expand; a ratio beyond deflate's maximum (about 1032:1) is a lie or a bomb.
        if (entry.Length > limit || entry.CompressedLength > fileLength || entry.Length > entry.CompressedLength * 1032 + 64)
            throw new InvalidDataException($"torch: {source}: zip entry '{entry.FullName}' declares {entry.Length} bytes ({entry.CompressedLength} stored), more than the file or the limit of {limit} allows.");
        // The buffer grows with the bytes actually read (at first, the stored size), so a declared size
        // that the data does not back costs no memory.
        var bytes = new byte[Math.Min(entry.Length, Math.Max(entry.CompressedLength, 4096))];
        int filled = 0;
        using var data = entry.Open();
        while (filled < entry.Length)
        {
            if (filled == bytes.Length) Array.Resize(ref bytes, (int)Math.Min(entry.Length, 2L * bytes.Length));
            int read = data.Read(bytes, filled, bytes.Length - filled);
            if (read == 0)
                throw new InvalidDataException($"torch: {source}: zip entry '{entry.FullName}' holds {filled} bytes, fewer than the {entry.Length} it declares; the file is truncated or damaged.");
            filled += read;
        }
        if (data.ReadByte() != -1)
            throw new InvalidDataException($"torch: {source}: zip entry '{entry.FullName}' holds more than the {entry.Length} bytes it declares.");
        return bytes;
    }

    private static readonly BigInteger s_legacyMagic = BigInteger.Parse("119547037146038801333356", System.Globalization.CultureInfo.InvariantCulture);

    private static object? LoadLegacy(Stream stream, string source, List<TorchStorageRef>? storages = null)
    {
        // The legacy format is read from memory: it is a sequence of pickles whose lengths are known only by parsing them.
        long length = stream.Length - stream.Position;
        if (length > MaxPickleLength * 4)
            throw OpErrors.NotSupported("torch", $"{source}: legacy-format files larger than {MaxPickleLength * 4} bytes are not supported; save it again with a PyTorch of version 1.6 or later.");
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        var memory = new ReadOnlyMemory<byte>(bytes);
        int position = 0;
        object? Next(IPickleHooks hooks)
        {
            var reader = new PickleReader(memory[position..], source, hooks);
            var value = reader.Load();
            position += reader.Position;
            return value;
        }
        var plain = new TorchPickleHooks(source, (_, key, _) => throw new InvalidDataException($"torch: {source}: a header pickle refers to storage '{key}'."));
        if (Next(plain) is not BigInteger magic || magic != s_legacyMagic)
            throw new InvalidDataException($"torch: {source}: a pickle that does not start with PyTorch's magic number; it is not a file written by torch.save.");
        if (Next(plain) is not long protocol || protocol != 1001)
            throw new InvalidDataException($"torch: {source}: the legacy format's protocol version is not 1001.");
        if (Next(plain) is PickleDict info && info.TryGetValue("little_endian", out var little) && little is false)
            throw OpErrors.NotSupported("torch", $"{source}: the file was written on a big-endian machine; Avalon reads little-endian files only.");
        var pending = new Dictionary<string, (TorchStorageType Type, Array Array, int Numel)>(StringComparer.Ordinal);
        long declared = 0;
        var hooks = new TorchPickleHooks(source, (type, key, numel) =>
        {
            declared += 8 + (long)numel * type.ElementSize;
            if (declared > bytes.Length - position)
                throw new InvalidDataException($"torch: {source}: the storages declare {declared} bytes or more, but only {bytes.Length - position} remain in the file.");
            var array = type.NewArray(numel);
            pending.Add(key, (type, array, numel));
            return array;
        });
        var result = Next(hooks);
        if (Next(plain) is not List<object?> keys)
            throw new InvalidDataException($"torch: {source}: the list of storage keys after the object is missing.");
        var data = new MemoryStream(bytes, position, bytes.Length - position, writable: false);
        var done = new HashSet<string>(StringComparer.Ordinal);
        Span<byte> count = stackalloc byte[8];
        foreach (var item in keys)
        {
            if (item is not string key || !pending.TryGetValue(key, out var storage) || !done.Add(key))
                throw new InvalidDataException($"torch: {source}: the storage key list names {item ?? "None"}, which is not a storage of the object or is named twice.");
            data.ReadExactly(count);
            long numel = BinaryPrimitives.ReadInt64LittleEndian(count);
            if (numel != storage.Numel)
                throw new InvalidDataException($"torch: {source}: storage '{key}' is declared with {storage.Numel} elements but its data with {numel}.");
            storage.Type.Read(data, storage.Array, storage.Numel, $"{source}: storage '{key}'");
        }
        if (done.Count != pending.Count)
            throw new InvalidDataException($"torch: {source}: {pending.Count - done.Count} storages of the object have no data.");
        if (data.Position != data.Length)
            throw new InvalidDataException($"torch: {source}: {data.Length - data.Position} bytes follow the last storage.");
        storages?.AddRange(hooks.Storages);
        return result;
    }

    private static OrderedDictionary<string, T> Flatten<T>(object? root, string source) where T : class
    {
        if (root is not PickleDict dict)
            throw new InvalidDataException($"torch: {source}: the file holds a {root?.GetType().Name ?? "None"}, not a dict of tensors; read it with TorchFile.LoadObject.");
        var result = new OrderedDictionary<string, T>(StringComparer.Ordinal);
        var path = new HashSet<object>(ReferenceEqualityComparer.Instance);
        long budget = 10_000_000;
        void Visit(string prefix, object? value, int depth)
        {
            if (--budget < 0)
                throw new InvalidDataException($"torch: {source}: the object's containers reach more than 10,000,000 values (shared containers nested deeply).");
            switch (value)
            {
                case T t:
                    if (!result.TryAdd(prefix, t))
                        throw new InvalidDataException($"torch: {source}: two tensors flatten to the key '{prefix}'.");
                    return;
                case PickleDict or List<object?> or PickleTuple:
                    if (depth > MaxNesting)
                        throw new InvalidDataException($"torch: {source}: containers are nested more than {MaxNesting} deep.");
                    if (!path.Add(value))
                        throw new InvalidDataException($"torch: {source}: a container holds itself (at '{prefix}').");
                    if (value is PickleDict d)
                    {
                        foreach (var (key, item) in d) Visit(Join(prefix, Convert.ToString(key, System.Globalization.CultureInfo.InvariantCulture) ?? ""), item, depth + 1);
                    }
                    else
                    {
                        int i = 0;
                        foreach (var item in (IEnumerable<object?>)value) Visit(Join(prefix, (i++).ToString(System.Globalization.CultureInfo.InvariantCulture)), item, depth + 1);
                    }
                    path.Remove(value);
                    return;
                default:
                    return;
            }
        }
        Visit("", dict, 0);
        return result;
    }

    private static string Join(string prefix, string key) => prefix.Length == 0 ? key : prefix + "." + key;
}
