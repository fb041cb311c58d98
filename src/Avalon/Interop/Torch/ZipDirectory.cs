using System.Buffers.Binary;
using System.Text;

namespace Avalon.Interop.Torch;

/// <summary>Where a zip entry's bytes lie in the file: from its central directory record and its local header.</summary>
/// <param name="Name">The entry's name.</param>
/// <param name="Deflated">True for a deflated entry, false for a stored one.</param>
/// <param name="CompressedSize">The bytes it takes in the file.</param>
/// <param name="Size">The bytes it holds.</param>
/// <param name="DataOffset">The file offset of its first byte, past its local header.</param>
internal sealed record ZipEntryLocation(string Name, bool Deflated, long CompressedSize, long Size, long DataOffset);

/// <summary>
/// Reads a zip's central directory (zip64 included) to find where each entry's data lies, which
/// <see cref="System.IO.Compression.ZipArchive"/> does not tell: what lets the mapped reader copy a stored
/// storage straight from the mapped file. Every offset and size is checked against the file: the records
/// must lie inside it, an entry's data after its local header and before the central directory, and the
/// local header must carry the name of its directory record; anything else is an <see cref="InvalidDataException"/>.
/// </summary>
internal static class ZipDirectory
{
    private const uint EndSignature = 0x06054b50;
    private const uint Zip64LocatorSignature = 0x07064b50;
    private const uint Zip64EndSignature = 0x06064b50;
    private const uint DirectorySignature = 0x02014b50;
    private const uint LocalSignature = 0x04034b50;

    /// <summary>The entries of the zip that is the whole of <paramref name="stream"/>, by name.</summary>
    public static Dictionary<string, ZipEntryLocation> Read(Stream stream, string source)
    {
        long length = stream.Length;
        var (directoryOffset, directorySize, count) = FindDirectory(stream, length, source);
        if (directorySize > int.MaxValue || count > directorySize / 46)
            throw Corrupt(source, $"the central directory declares {count} entries in {directorySize} bytes");
        var directory = ReadAt(stream, directoryOffset, (int)directorySize, source, "the central directory");
        var entries = new Dictionary<string, ZipEntryLocation>(StringComparer.Ordinal);
        int position = 0;
        for (long i = 0; i < count; i++)
        {
            var record = directory.AsSpan(position);
            if (record.Length < 46 || BinaryPrimitives.ReadUInt32LittleEndian(record) != DirectorySignature)
                throw Corrupt(source, $"central directory record {i} at offset {directoryOffset + position} is missing or truncated");
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(record[8..]);
            ushort method = BinaryPrimitives.ReadUInt16LittleEndian(record[10..]);
            long compressed = BinaryPrimitives.ReadUInt32LittleEndian(record[20..]);
            long size = BinaryPrimitives.ReadUInt32LittleEndian(record[24..]);
            int nameLength = BinaryPrimitives.ReadUInt16LittleEndian(record[28..]);
            int extraLength = BinaryPrimitives.ReadUInt16LittleEndian(record[30..]);
            int commentLength = BinaryPrimitives.ReadUInt16LittleEndian(record[32..]);
            long localOffset = BinaryPrimitives.ReadUInt32LittleEndian(record[42..]);
            int total = 46 + nameLength + extraLength + commentLength;
            if (record.Length < total)
                throw Corrupt(source, $"central directory record {i} runs past the directory's end");
            var nameBytes = record.Slice(46, nameLength);
            ReadZip64Extra(record.Slice(46 + nameLength, extraLength), ref size, ref compressed, ref localOffset, source);
            string name = Encoding.UTF8.GetString(nameBytes);
            if ((flags & 1) != 0)
                throw Corrupt(source, $"entry '{name}' is encrypted");
            var location = Locate(stream, length, directoryOffset, name, nameBytes, method, compressed, size, localOffset, source);
            if (!entries.TryAdd(name, location))
                throw Corrupt(source, $"the zip names entry '{name}' twice");
            position += total;
        }
        return entries;
    }

    private static ZipEntryLocation Locate(Stream stream, long length, long directoryOffset, string name, ReadOnlySpan<byte> nameBytes,
        ushort method, long compressed, long size, long localOffset, string source)
    {
        if (localOffset > directoryOffset - 30)
            throw Corrupt(source, $"entry '{name}' has its local header at {localOffset}, past the start of the central directory at {directoryOffset}");
        var local = ReadAt(stream, localOffset, 30, source, $"the local header of entry '{name}'");
        if (BinaryPrimitives.ReadUInt32LittleEndian(local) != LocalSignature)
            throw Corrupt(source, $"entry '{name}' has no local header at offset {localOffset}");
        int localNameLength = BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(26));
        int localExtraLength = BinaryPrimitives.ReadUInt16LittleEndian(local.AsSpan(28));
        long dataOffset = localOffset + 30 + localNameLength + localExtraLength;
        if (localNameLength != nameBytes.Length || dataOffset > directoryOffset ||
            !ReadAt(stream, localOffset + 30, localNameLength, source, $"the local header of entry '{name}'").AsSpan().SequenceEqual(nameBytes))
            throw Corrupt(source, $"the local header of entry '{name}' at offset {localOffset} names another entry or runs into the central directory");
        if (compressed > directoryOffset - dataOffset)
            throw Corrupt(source, $"entry '{name}' ({compressed} bytes from offset {dataOffset}) runs past the start of the central directory at {directoryOffset} (the file holds {length} bytes)");
        bool deflated = method switch
        {
            0 when compressed == size => false,
            0 => throw Corrupt(source, $"stored entry '{name}' declares {size} bytes but takes {compressed}"),
            8 => true,
            _ => throw Corrupt(source, $"entry '{name}' uses compression method {method}; expected stored (0) or deflate (8)"),
        };
        return new ZipEntryLocation(name, deflated, compressed, size, dataOffset);
    }

    /// <summary>Replaces the sizes and offset a record marks as 0xFFFFFFFF by those of its zip64 extra field (id 1).</summary>
    private static void ReadZip64Extra(ReadOnlySpan<byte> extra, ref long size, ref long compressed, ref long offset, string source)
    {
        bool needSize = size == uint.MaxValue, needCompressed = compressed == uint.MaxValue, needOffset = offset == uint.MaxValue;
        while (extra.Length >= 4)
        {
            ushort id = BinaryPrimitives.ReadUInt16LittleEndian(extra);
            int blockLength = BinaryPrimitives.ReadUInt16LittleEndian(extra[2..]);
            if (extra.Length < 4 + blockLength) throw Corrupt(source, "an extra field runs past its record");
            var block = extra.Slice(4, blockLength);
            if (id == 1)
            {
                if (needSize) size = Next(ref block, source);
                if (needCompressed) compressed = Next(ref block, source);
                if (needOffset) offset = Next(ref block, source);
                return;
            }
            extra = extra[(4 + blockLength)..];
        }
        if (needSize || needCompressed || needOffset) throw Corrupt(source, "a record marks a zip64 size or offset but has no zip64 extra field");
    }

    private static long Next(ref ReadOnlySpan<byte> block, string source)
    {
        if (block.Length < 8) throw Corrupt(source, "a zip64 extra field is too short");
        long value = BinaryPrimitives.ReadInt64LittleEndian(block);
        if (value < 0) throw Corrupt(source, $"a zip64 size or offset is {(ulong)value}");
        block = block[8..];
        return value;
    }

    /// <summary>The central directory's offset, size and entry count, from the end record (and the zip64 end record where it defers to it).</summary>
    private static (long Offset, long Size, long Count) FindDirectory(Stream stream, long length, string source)
    {
        // The end record is the last 22 bytes but for a comment of up to 65,535: look at the last kilobyte first.
        int tailLength = 0, end = -1;
        byte[] tail = [];
        foreach (int window in new[] { 1024, 22 + 65535 })
        {
            tailLength = (int)Math.Min(length, window);
            tail = ReadAt(stream, length - tailLength, tailLength, source, "the end of the file");
            for (int i = tailLength - 22; i >= 0 && end < 0; i--)
            {
                if (BinaryPrimitives.ReadUInt32LittleEndian(tail.AsSpan(i)) == EndSignature &&
                    i + 22 + BinaryPrimitives.ReadUInt16LittleEndian(tail.AsSpan(i + 20)) == tailLength)
                    end = i;
            }
            if (end >= 0 || tailLength == length) break;
        }
        if (end < 0) throw Corrupt(source, "the zip has no end of central directory record at its end");
        var record = tail.AsSpan(end);
        long count = BinaryPrimitives.ReadUInt16LittleEndian(record[10..]);
        long size = BinaryPrimitives.ReadUInt32LittleEndian(record[12..]);
        long offset = BinaryPrimitives.ReadUInt32LittleEndian(record[16..]);
        long endOffset = length - tailLength + end;
        if (count == ushort.MaxValue || size == uint.MaxValue || offset == uint.MaxValue)
        {
            if (endOffset < 20) throw Corrupt(source, "the end record defers to a zip64 end record, but there is no room for its locator");
            var locator = ReadAt(stream, endOffset - 20, 20, source, "the zip64 end record locator");
            if (BinaryPrimitives.ReadUInt32LittleEndian(locator) != Zip64LocatorSignature)
                throw Corrupt(source, "the end record defers to a zip64 end record, but its locator is missing");
            long zip64 = BinaryPrimitives.ReadInt64LittleEndian(locator.AsSpan(8));
            if (zip64 < 0 || zip64 > endOffset - 20 - 56) throw Corrupt(source, $"the zip64 end record's offset {zip64} lies outside the file");
            var record64 = ReadAt(stream, zip64, 56, source, "the zip64 end record");
            if (BinaryPrimitives.ReadUInt32LittleEndian(record64) != Zip64EndSignature)
                throw Corrupt(source, $"there is no zip64 end record at offset {zip64}");
            if (count == ushort.MaxValue) count = BinaryPrimitives.ReadInt64LittleEndian(record64.AsSpan(32));
            if (size == uint.MaxValue) size = BinaryPrimitives.ReadInt64LittleEndian(record64.AsSpan(40));
            if (offset == uint.MaxValue) offset = BinaryPrimitives.ReadInt64LittleEndian(record64.AsSpan(48));
            endOffset = zip64;
        }
        if (count < 0 || size < 0 || offset < 0 || offset > endOffset - size)
            throw Corrupt(source, $"the central directory ({size} bytes at offset {offset}) does not end before the end record at {endOffset}");
        return (offset, size, count);
    }

    private static byte[] ReadAt(Stream stream, long offset, int count, string source, string what)
    {
        if (offset < 0 || count < 0 || offset > stream.Length - count)
            throw Corrupt(source, $"{what} ({count} bytes at offset {offset}) lies outside the file of {stream.Length} bytes");
        var bytes = new byte[count];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static InvalidDataException Corrupt(string source, string problem) => new($"torch: {source}: {problem}.");
}
