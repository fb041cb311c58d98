using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace Avalon.Data;

/// <summary>
/// Reads IDX files, the format of the MNIST and Fashion-MNIST files: a magic number
/// <c>00 00 TT RR</c> (<c>TT</c> the <see cref="IdxDataType"/> code, <c>RR</c> the rank), then
/// <c>RR</c> big-endian 32-bit dimensions, then the elements in row-major, big-endian order.
/// A gzip-compressed file is recognised by its <c>1F 8B</c> header and decompressed on the fly.
/// </summary>
/// <remarks>
/// <para>The reader trusts nothing in the header, and any mismatch (bad magic, unknown type code,
/// negative dimension, truncated data, data left over after the declared elements, bytes after the
/// gzip member, a bad gzip trailer) is an <see cref="InvalidDataException"/> that names the file and
/// the problem. Before allocating, it checks the declared element count against the limit
/// (<see cref="DefaultMaxElements"/>, or the <c>maxElements</c> argument) and the declared size
/// against the bytes available: a plain file must hold exactly the header and the declared data, so
/// its one allocation is the size of the file.</para>
/// <para>A gzip file is one gzip member and nothing else: its last eight bytes must be the CRC-32 and
/// the length of the decompressed data (which rejects a truncated trailer, an appended member and
/// appended bytes; the one arrangement it cannot see is junk inserted between the member and a copy
/// of the member's own trailer, since the decompressor does not report where the member ended, and
/// then the data read is still the member's, checked against its CRC). Its size after decompression is only known by decompressing,
/// so the elements are read into an array that starts at about twice the compressed size and doubles
/// as data arrives: a truncated or lying file fails after allocating a small multiple of what it
/// actually decompresses to, never the size its header claims.</para>
/// </remarks>
public static class IdxReader
{
    // Deflate cannot expand data by more than about 1032:1, which bounds what a compressed file may declare.
    private const long MaxDeflateRatio = 1032;

    // The smallest gzip member: a 10-byte header, an empty deflate block (2 bytes) and the 8-byte trailer.
    private const int MinGzipLength = 20;

    // Every format error raised here starts with this, which tells them apart from GZipStream's own errors.
    private const string MessagePrefix = "IDX file '";

    /// <summary>
    /// The largest number of elements a file may declare unless a larger <c>maxElements</c> is passed:
    /// 2³⁰ (1,073,741,824), which is 1 GiB of ubyte data, about 23 times the 60,000 MNIST training images.
    /// </summary>
    public const long DefaultMaxElements = 1L << 30;

    /// <summary>Reads the IDX file at <paramref name="path"/> (plain or gzip-compressed), allowing up to <see cref="DefaultMaxElements"/> elements.</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The dimensions and elements of the file.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid IDX file, or declares more than <see cref="DefaultMaxElements"/> elements; the message says why.</exception>
    public static IdxArray Read(string path) => Read(path, DefaultMaxElements);

    /// <summary>Reads the IDX file at <paramref name="path"/> (plain or gzip-compressed).</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="maxElements">The most elements the file may declare (the product of its dimensions), for example <see cref="DefaultMaxElements"/>.</param>
    /// <returns>The dimensions and elements of the file.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid IDX file, or declares more than <paramref name="maxElements"/> elements; the message says why.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxElements"/> is negative.</exception>
    public static IdxArray Read(string path, long maxElements)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        CheckMaxElements(maxElements);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(file, path, maxElements);
    }

    /// <summary>
    /// Reads an IDX file (plain or gzip-compressed) from <paramref name="stream"/>, starting at its
    /// current position, allowing up to <see cref="DefaultMaxElements"/> elements. The stream is left open.
    /// </summary>
    /// <param name="stream">The stream holding the file.</param>
    /// <param name="sourceName">The name used in error messages (a path or resource name).</param>
    /// <returns>The dimensions and elements of the file.</returns>
    /// <exception cref="InvalidDataException">The data is not a valid IDX file; the message says why.</exception>
    public static IdxArray Read(Stream stream, string sourceName) => Read(stream, sourceName, DefaultMaxElements);

    /// <summary>
    /// Reads an IDX file (plain or gzip-compressed) from <paramref name="stream"/>, starting at its
    /// current position. The stream is left open. A stream that cannot seek is first copied to memory.
    /// </summary>
    /// <param name="stream">The stream holding the file.</param>
    /// <param name="sourceName">The name used in error messages (a path or resource name).</param>
    /// <param name="maxElements">The most elements the file may declare (the product of its dimensions), for example <see cref="DefaultMaxElements"/>.</param>
    /// <returns>The dimensions and elements of the file.</returns>
    /// <exception cref="InvalidDataException">The data is not a valid IDX file, or declares more than <paramref name="maxElements"/> elements; the message says why.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxElements"/> is negative.</exception>
    public static IdxArray Read(Stream stream, string sourceName, long maxElements)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        CheckMaxElements(maxElements);
        if (!stream.CanSeek)
        {
            var copy = new MemoryStream();
            stream.CopyTo(copy);
            copy.Position = 0;
            stream = copy;
        }

        long start = stream.Position;
        long available = stream.Length - start;
        Span<byte> head = stackalloc byte[2];
        int headLength = ReadAtMost(stream, head);
        stream.Position = start;
        bool gzipped = headLength == 2 && head[0] == 0x1F && head[1] == 0x8B;
        if (!gzipped)
        {
            return ReadIdx(stream, sourceName, gzipped: false, available, maxElements, null, 0);
        }
        if (available < MinGzipLength)
        {
            throw Invalid(sourceName, $"the gzip file is {available} bytes long, shorter than the {MinGzipLength} bytes of the smallest gzip member.");
        }

        IdxArray result;
        var crc = new Crc32();
        try
        {
            using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
            long bound = available > long.MaxValue / MaxDeflateRatio ? long.MaxValue : available * MaxDeflateRatio + 1024;
            result = ReadIdx(gzip, sourceName, gzipped: true, bound, maxElements, crc, Math.Max(4096, 2 * available));
        }
        catch (InvalidDataException ex) when (!ex.Message.StartsWith(MessagePrefix, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{MessagePrefix}{sourceName}': the gzip data is corrupt ({ex.Message}).", ex);
        }
        CheckGzipTrailer(stream, start + available - 8, crc, sourceName);
        return result;
    }

    // GZipStream accepts a file that ends before its trailer, and ignores bytes after the member; the
    // trailer it did check (when present) sits right after the member, so requiring the file's last
    // eight bytes to be the CRC-32 and length of everything decompressed rejects both.
    private static void CheckGzipTrailer(Stream stream, long trailerPosition, Crc32 crc, string source)
    {
        Span<byte> trailer = stackalloc byte[8];
        stream.Position = trailerPosition;
        if (ReadAtMost(stream, trailer) != 8)
        {
            throw Invalid(source, "the gzip file ended while its trailer was read back.");
        }
        uint storedCrc = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        uint storedLength = BinaryPrimitives.ReadUInt32LittleEndian(trailer[4..]);
        if (storedCrc != crc.Value || storedLength != crc.Length)
        {
            throw Invalid(source,
                $"the file does not end with the gzip trailer of its data (CRC-32 {crc.Value:X8}, length {crc.Length}; its last 8 bytes read " +
                $"as CRC-32 {storedCrc:X8}, length {storedLength}): the gzip member is truncated, or bytes follow it.");
        }
    }

    private static void CheckMaxElements(long maxElements)
    {
        if (maxElements < 0)
        {
            throw OpErrors.OutOfRange("IdxReader.Read", nameof(maxElements), maxElements, $"maxElements must be non-negative, got {maxElements}.");
        }
    }

    private static IdxArray ReadIdx(Stream stream, string source, bool gzipped, long maxBytes, long maxElements, Crc32? crc, long initialBytes)
    {
        string what = gzipped ? "decompressed data" : "file";
        Span<byte> magic = stackalloc byte[4];
        int got = ReadAtMost(stream, magic);
        if (got < 4)
        {
            throw Invalid(source, $"the {what} is {got} bytes long, too short for the 4-byte IDX magic number.");
        }
        crc?.Append(magic);
        if (magic[0] != 0 || magic[1] != 0)
        {
            throw Invalid(source,
                $"bad magic number {Hex(magic)}: an IDX file starts with 00 00, then a type code and the rank " +
                "(for example 00 00 08 03 for MNIST images). Is this an IDX file?");
        }
        var dataType = (IdxDataType)magic[2];
        if (!Enum.IsDefined(dataType))
        {
            throw Invalid(source,
                $"bad magic number {Hex(magic)}: unknown type code 0x{magic[2]:X2} (expected 0x08 ubyte, 0x09 sbyte, " +
                "0x0B short, 0x0C int, 0x0D float or 0x0E double).");
        }
        int rank = magic[3];
        if (rank == 0)
        {
            throw Invalid(source, $"bad magic number {Hex(magic)}: the rank is 0; an IDX file has at least one dimension.");
        }

        Span<byte> dimBytes = stackalloc byte[4 * rank];
        got = ReadAtMost(stream, dimBytes);
        if (got < dimBytes.Length)
        {
            throw Invalid(source, $"truncated header: rank {rank} needs {dimBytes.Length} bytes of dimensions after the magic number, the {what} has only {got}.");
        }
        crc?.Append(dimBytes);
        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.Slice(4 * i, 4));
            if (dims[i] < 0)
            {
                throw Invalid(source, $"dimension {i} is {(uint)dims[i]}, larger than a 32-bit signed size (header dims read as [{DimsText(dims, i + 1)}]).");
            }
            count = count > 0 && dims[i] > long.MaxValue / count ? long.MaxValue : count * dims[i];
        }

        int elementSize = IdxArray.ElementSize(dataType);
        long headerBytes = 4 + 4L * rank;
        long dataBytes = count > long.MaxValue / elementSize ? long.MaxValue : count * elementSize;
        string declared = $"dims [{DimsText(dims, rank)}] of {dataType} declare {dataBytes} bytes of data";
        if (count > maxElements)
        {
            throw Invalid(source, $"dims [{DimsText(dims, rank)}] declare {count} elements, more than the limit of {maxElements} " +
                $"(IdxReader.DefaultMaxElements is {DefaultMaxElements}; pass a larger maxElements to IdxReader.Read for a larger file).");
        }
        if (!gzipped && headerBytes + dataBytes != maxBytes)
        {
            throw Invalid(source, headerBytes + dataBytes > maxBytes
                ? $"truncated data: {declared}, but the file holds only {maxBytes - headerBytes} bytes after the {headerBytes}-byte header."
                : $"dims product mismatch: {declared}, but the file holds {maxBytes - headerBytes} bytes after the {headerBytes}-byte header.");
        }
        if (gzipped && headerBytes + dataBytes > maxBytes)
        {
            throw Invalid(source, $"truncated or corrupt: {declared}, more than the compressed file can hold.");
        }
        if (dataBytes > Array.MaxLength)
        {
            throw Invalid(source, $"{declared}; files with more than {Array.MaxLength} bytes of data are not supported.");
        }

        // A plain file's size was checked above, so its array is allocated at once; decompressed data
        // grows its array from initialBytes as it arrives.
        long firstBytes = gzipped ? Math.Min(dataBytes, initialBytes) : dataBytes;
        int n = (int)count;
        Array data = dataType switch
        {
            IdxDataType.UByte => ReadElements<byte>(stream, n, firstBytes, crc, source, declared, what),
            IdxDataType.SByte => ReadElements<sbyte>(stream, n, firstBytes, crc, source, declared, what),
            IdxDataType.Int16 => ReadElements<short>(stream, n, firstBytes, crc, source, declared, what),
            IdxDataType.Int32 => ReadElements<int>(stream, n, firstBytes, crc, source, declared, what),
            IdxDataType.Float32 => ReadElements<float>(stream, n, firstBytes, crc, source, declared, what),
            _ => ReadElements<double>(stream, n, firstBytes, crc, source, declared, what),
        };
        if (gzipped && stream.ReadByte() >= 0)
        {
            throw Invalid(source, $"dims product mismatch: {declared}, but the decompressed data continues after them.");
        }
        if (BitConverter.IsLittleEndian)
        {
            SwapToLittleEndian(data);
        }
        return new IdxArray(dataType, dims, data);
    }

    /// <summary>
    /// Reads <paramref name="count"/> elements into an array that starts at <paramref name="firstBytes"/>
    /// bytes and doubles while data keeps arriving, so a stream that ends early has cost a small multiple
    /// of what it held. The bytes stay in file (big-endian) order.
    /// </summary>
    private static T[] ReadElements<T>(Stream stream, int count, long firstBytes, Crc32? crc, string source, string declared, string what)
        where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        int capacity = (int)Math.Min(count, Math.Max(1, firstBytes / size));
        var array = new T[capacity];
        int filled = 0;
        while (true)
        {
            Span<byte> bytes = MemoryMarshal.AsBytes(array.AsSpan());
            int got = ReadAtMost(stream, bytes[filled..]);
            crc?.Append(bytes.Slice(filled, got));
            filled += got;
            if (filled < bytes.Length)
            {
                throw Invalid(source, $"truncated data: {declared}, but the {what} ends after {filled} of them.");
            }
            if (array.Length == count)
            {
                return array;
            }
            Array.Resize(ref array, (int)Math.Min(count, 2L * array.Length));
        }
    }

    private static void SwapToLittleEndian(Array data)
    {
        switch (data)
        {
            case short[] s:
                BinaryPrimitives.ReverseEndianness(s, s);
                break;
            case int[] n:
                BinaryPrimitives.ReverseEndianness(n, n);
                break;
            case float[] f:
                Span<int> fi = MemoryMarshal.Cast<float, int>(f.AsSpan());
                BinaryPrimitives.ReverseEndianness(fi, fi);
                break;
            case double[] d:
                Span<long> dl = MemoryMarshal.Cast<double, long>(d.AsSpan());
                BinaryPrimitives.ReverseEndianness(dl, dl);
                break;
        }
    }

    private static int ReadAtMost(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }

    private static string Hex(ReadOnlySpan<byte> bytes)
    {
        var parts = new string[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            parts[i] = bytes[i].ToString("X2", System.Globalization.CultureInfo.InvariantCulture);
        }
        return string.Join(" ", parts);
    }

    private static string DimsText(int[] dims, int count) => string.Join(", ", dims.AsSpan(0, count).ToArray());

    private static InvalidDataException Invalid(string source, string problem) => new($"{MessagePrefix}{source}': {problem}");
}
