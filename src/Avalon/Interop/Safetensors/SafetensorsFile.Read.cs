using System.Buffers.Binary;
using Avalon.Data;

namespace Avalon.Interop.Safetensors;

/// <summary>
/// Reads and writes the safetensors format: an 8-byte little-endian header length <c>N</c>, a UTF-8
/// JSON header of <c>N</c> bytes (<c>{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, "__metadata__": {...}}</c>),
/// then the tensors' raw little-endian bytes, row-major.
/// </summary>
/// <remarks>
/// Reading never executes anything from the file and validates it fully before allocating tensor
/// memory: the header length, the JSON shape, dtypes, that each tensor's byte length equals its shape
/// times its element size, and that the tensors tile the data area with no gap, overlap or trailing
/// byte. A file that breaks a rule raises <see cref="InvalidDataException"/> naming the rule; so does
/// every other malformed input (invalid UTF-8 or JSON, a string escape that is not valid UTF-16, a
/// header past the limits). The limits, <see cref="MaxHeaderLength"/>, <see cref="MaxTensorCount"/> and
/// <see cref="MaxRank"/>, keep the work and memory of reading proportional to the file: the header is
/// held once as bytes, its entries are counted before it is parsed, and tensor memory is exactly the
/// data area.
/// Writing is atomic and byte-for-byte what the reference Python/Rust library writes (tensors ordered
/// by descending dtype alignment, then name; compact JSON; header padded with spaces to a multiple of 8),
/// except that metadata keys are sorted, where the reference writes them in hash order.
/// Dtypes read: F32, F64, I64, I32 and BOOL as they are; F16 and BF16 widen to float32, I16, I8, U16
/// and U8 to int32, U32 and U64 to int64 (exactly; a U64 value above int64's range is refused), since
/// Avalon has no narrower dtypes. Written: F32, F64, I32, I64 and BOOL. Sharded checkpoints (an index
/// <c>model.safetensors.index.json</c> whose <c>weight_map</c> names the shard of every tensor) are read by
/// <see cref="ReadSharded"/> and written by <see cref="WriteSharded"/>. <see cref="Map"/> and
/// <see cref="MapSharded"/> open files lazily: the header is validated the same way, and each tensor is
/// copied from the memory-mapped file only when it is read.
/// </remarks>
public static partial class SafetensorsFile
{
    /// <summary>The largest header accepted, in bytes (the reference implementation's limit).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>
    /// The most tensors a file may hold: 100,000 (real checkpoints hold at most a few thousand per
    /// file). A header with more is rejected while it is counted, before it is parsed.
    /// </summary>
    public const int MaxTensorCount = 100_000;

    /// <summary>The most dimensions a tensor's shape may have in a file read: 64.</summary>
    public const int MaxRank = 64;

    /// <summary>Reads a safetensors file.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>Its tensors (on the CPU) and metadata.</returns>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message says why.</exception>
    /// <exception cref="NotSupportedException">A tensor has a dtype Avalon cannot represent (C64, the 4-, 6- and 8-bit floats), or a U64 value exceeds int64.</exception>
    public static SafetensorsContent Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        // Unbuffered: the reads are few and large, and a buffer would cost more memory than a small file holds.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
        return Read(stream, $"'{path}'");
    }

    /// <summary>Reads safetensors data from the current position of <paramref name="stream"/> to its end.</summary>
    /// <param name="stream">A readable stream; one that cannot seek is first copied into memory.</param>
    /// <returns>The tensors (on the CPU) and metadata.</returns>
    /// <exception cref="InvalidDataException">The data is not valid safetensors; the message says why.</exception>
    /// <exception cref="NotSupportedException">A tensor has a dtype Avalon cannot represent (C64, the 4-, 6- and 8-bit floats), or a U64 value exceeds int64.</exception>
    public static SafetensorsContent Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Read(stream, "stream");
    }

    private static SafetensorsContent Read(Stream stream, string source)
    {
        CheckByteOrder();
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }
        var (entries, metadata) = ReadHeader(stream, source);
        var tensors = new Dictionary<string, Tensor>(entries.Count, StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            int numel = ShapeUtil.Numel(entry.Shape);
            var data = HostTensors.NewArray(entry.DType, numel);
            ElementReader.Read(stream, entry.ElementType, data, numel, $"safetensors: {source}: tensor '{entry.Name}'");
            tensors.Add(entry.Name, HostTensors.Wrap(data, entry.DType, entry.Shape));
        }
        return new SafetensorsContent(tensors, metadata);
    }

    /// <summary>
    /// Reads and validates the length prefix and the header from the stream's position, leaving it at the
    /// start of the data area, which runs to the stream's end: the entries sorted by offset and the metadata.
    /// </summary>
    private static (List<SafetensorsEntry> Entries, Dictionary<string, string> Metadata) ReadHeader(Stream stream, string source)
    {
        long available = stream.Length - stream.Position;
        if (available < 8)
            throw SafetensorsHeader.Corrupt(source, $"the file is truncated: {available} bytes, but the header length alone takes 8");
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderLength)
            throw SafetensorsHeader.Corrupt(source, $"the header length {headerLength} exceeds the limit of {MaxHeaderLength} bytes");
        if ((long)headerLength > available - 8)
            throw SafetensorsHeader.Corrupt(source, $"the header length {headerLength} runs past the end of the file ({available} bytes); the file is truncated");
        var header = new byte[headerLength];
        stream.ReadExactly(header);
        long dataLength = available - 8 - (long)headerLength;
        return SafetensorsHeader.Parse(header, dataLength, source);
    }

    private static void CheckByteOrder()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("safetensors: reading and writing is implemented for little-endian machines only.");
    }
}
