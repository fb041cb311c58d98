namespace Avalon.Data;

/// <summary>
/// The element type of an IDX file, as stored in the third byte of its magic number
/// (the format of the MNIST and Fashion-MNIST files).
/// </summary>
public enum IdxDataType : byte
{
    /// <summary>Unsigned 8-bit integer (code 0x08); read as <see cref="byte"/>.</summary>
    UByte = 0x08,

    /// <summary>Signed 8-bit integer (code 0x09); read as <see cref="sbyte"/>.</summary>
    SByte = 0x09,

    /// <summary>Big-endian signed 16-bit integer (code 0x0B); read as <see cref="short"/>.</summary>
    Int16 = 0x0B,

    /// <summary>Big-endian signed 32-bit integer (code 0x0C); read as <see cref="int"/>.</summary>
    Int32 = 0x0C,

    /// <summary>Big-endian IEEE 754 single (code 0x0D); read as <see cref="float"/>.</summary>
    Float32 = 0x0D,

    /// <summary>Big-endian IEEE 754 double (code 0x0E); read as <see cref="double"/>.</summary>
    Float64 = 0x0E,
}
