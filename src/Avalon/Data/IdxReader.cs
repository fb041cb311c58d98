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
/// The reader trusts nothing in the header: before allocating it checks that the declared size fits
/// in what the file can hold, it reads exactly the bytes the header declares, and any mismatch
/// (bad magic, unknown type code, negative dimension, truncated data, data left over after the
/// declared elements) is an <see cref="InvalidDataException"/> that names the file and the problem.
/// </remarks>
public static class IdxReader
{
    // Deflate cannot expand data by more than about 1032:1, which bounds what a compressed file may declare.
    private const long MaxDeflateRatio = 1032;

    // Every format error raised here starts with this, which tells them apart from GZipStream's own errors.
    private const string MessagePrefix = "IDX file '";

    /// <summary>Reads the IDX file at <paramref name="path"/> (plain or gzip-compressed).</summary>
    /// <param name="path">The file to read.</param>
    /// <returns>The dimensions and elements of the file.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid IDX file; the message says why.</exception>
    public static IdxArray Read(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        return Read(file, path);
    }

    /// <summary>
    /// Reads an IDX file (plain or gzip-compressed) from <paramref name="stream"/>, starting at its
    /// current position. The stream is left open. A stream that cannot seek is first copied to memory.
    /// </summary>
    /// <param name="stream">The stream holding the file.</param>
    /// <param name="sourceName">The name used in error messages (a path or resource name).</param>
    /// <returns>The dimensions and elements of the file.</returns>
    /// <exception cref="InvalidDataException">The data is not a valid IDX file; the message says why.</exception>
    public static IdxArray Read(Stream stream, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
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
            return ReadIdx(stream, sourceName, gzipped: false, available);
        }

        try
        {
            using var gzip = new GZipStream(stream, CompressionMode.Decompress, leaveOpen: true);
            long bound = available > long.MaxValue / MaxDeflateRatio ? long.MaxValue : available * MaxDeflateRatio + 1024;
            return ReadIdx(gzip, sourceName, gzipped: true, bound);
        }
        catch (InvalidDataException ex) when (!ex.Message.StartsWith(MessagePrefix, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{MessagePrefix}{sourceName}': the gzip data is corrupt ({ex.Message}).", ex);
        }
    }

    private static IdxArray ReadIdx(Stream stream, string source, bool gzipped, long maxBytes)
    {
        string what = gzipped ? "decompressed data" : "file";
        Span<byte> magic = stackalloc byte[4];
        int got = ReadAtMost(stream, magic);
        if (got < 4)
        {
            throw Invalid(source, $"the {what} is {got} bytes long, too short for the 4-byte IDX magic number.");
        }
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

        Array data = dataType switch
        {
            IdxDataType.UByte => new byte[count],
            IdxDataType.SByte => new sbyte[count],
            IdxDataType.Int16 => new short[count],
            IdxDataType.Int32 => new int[count],
            IdxDataType.Float32 => new float[count],
            _ => new double[count],
        };
        Span<byte> raw = DataBytes(data);
        got = ReadAtMost(stream, raw);
        if (got < raw.Length)
        {
            throw Invalid(source, $"truncated data: {declared}, but the {what} ends after {got} of them.");
        }
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

    private static Span<byte> DataBytes(Array data) => data switch
    {
        byte[] b => b,
        sbyte[] sb => MemoryMarshal.AsBytes(sb.AsSpan()),
        short[] s => MemoryMarshal.AsBytes(s.AsSpan()),
        int[] n => MemoryMarshal.AsBytes(n.AsSpan()),
        float[] f => MemoryMarshal.AsBytes(f.AsSpan()),
        double[] d => MemoryMarshal.AsBytes(d.AsSpan()),
        _ => throw new InvalidOperationException($"IdxReader: unexpected array type {data.GetType().Name}."),
    };

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
