namespace Avalon.Data;

/// <summary>The CRC-32 of gzip and zip (polynomial 0xEDB88320, reflected), computed incrementally.</summary>
internal sealed class Crc32
{
    private static readonly uint[] s_table = BuildTable();

    private uint _crc = 0xFFFF_FFFFu;

    /// <summary>The bytes added so far, modulo 2³² (gzip's ISIZE).</summary>
    public uint Length { get; private set; }

    /// <summary>The CRC-32 of the bytes added so far.</summary>
    public uint Value => ~_crc;

    /// <summary>Adds <paramref name="bytes"/> to the checksum.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        uint crc = _crc;
        var table = s_table;
        foreach (byte b in bytes) crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        _crc = crc;
        Length = unchecked(Length + (uint)bytes.Length);
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? 0xEDB8_8320u ^ (c >> 1) : c >> 1;
            table[n] = c;
        }
        return table;
    }
}
