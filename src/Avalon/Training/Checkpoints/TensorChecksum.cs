using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Avalon.Training.Checkpoints;

/// <summary>
/// The checksum a version 2 checkpoint stores for each tensor: XXH3 (64 bits) of the UTF-8 text
/// <c>&lt;dtype&gt;[&lt;d0&gt;,&lt;d1&gt;,...]</c> (for example <c>F32[4,2]</c>) followed by the
/// tensor's bytes as stored in the file, written as 16 lowercase hexadecimal digits. Hashing the
/// dtype and shape too catches a header whose shape was changed to another of the same size.
/// </summary>
internal static class TensorChecksum
{
    /// <summary>The algorithm's name in the checkpoint document.</summary>
    public const string Algorithm = "xxh3-64";

    public static string Of(string dtype, ReadOnlySpan<int> shape, ReadOnlySpan<byte> bytes)
    {
        var hash = new XxHash3();
        var prefix = new StringBuilder(dtype).Append('[');
        for (int i = 0; i < shape.Length; i++)
        {
            if (i > 0) prefix.Append(',');
            prefix.Append(shape[i].ToString(CultureInfo.InvariantCulture));
        }
        hash.Append(Encoding.UTF8.GetBytes(prefix.Append(']').ToString()));
        hash.Append(bytes);
        return Hex(hash.GetCurrentHashAsUInt64());
    }

    /// <summary>The checksum of a text (the checkpoint document itself).</summary>
    public static string OfText(string text) => Hex(XxHash3.HashToUInt64(Encoding.UTF8.GetBytes(text)));

    private static string Hex(ulong value) => value.ToString("x16", CultureInfo.InvariantCulture);
}
