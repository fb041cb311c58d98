using System.Buffers.Binary;
using System.Text;
using Avalon.Interop.Safetensors;

namespace Avalon.Tests.Interop.Safetensors;

public class SafetensorsFileTests
{
    private static readonly string s_referencePath = Path.Combine(AppContext.BaseDirectory, "Data", "Safetensors", "reference.safetensors");

    // The tensors tests/reference/make_safetensors_reference.py writes, built here independently.
    private static Dictionary<string, Tensor> ReferenceTensors() => new()
    {
        ["weight"] = Tensor.From(new float[] { -1f, -0.5f, 0f, 0.5f, 1f, 1.5f }, 2, 3),
        ["bias"] = Tensor.From(new double[] { 1.0 / 3, -2.5, 1e-300 }),
        ["counts"] = Tensor.From(new int[] { -1, 2, int.MaxValue, int.MinValue }, 2, 2),
        ["index"] = Tensor.From(new long[] { 0, -1, 1L << 40, -(1L << 62) }),
        ["mask"] = Tensor.From(new bool[] { true, false, true }),
        ["empty"] = Tensor.Zeros([0, 4], DType.Float32),
        ["scalar"] = Tensor.Scalar(3.25f),
    };

    private static readonly Dictionary<string, string> s_referenceMetadata = new() { ["note"] = "café \"quoted\"\n\ttab", ["format"] = "pt" };

    private static byte[] Serialize(IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var stream = new MemoryStream();
        SafetensorsFile.Write(stream, tensors, metadata);
        return stream.ToArray();
    }

    private static SafetensorsContent Deserialize(byte[] bytes) => SafetensorsFile.Read(new MemoryStream(bytes));

    [Fact]
    public void WriterMatchesFileWrittenByPythonByteForByte()
    {
        byte[] expected = File.ReadAllBytes(s_referencePath);
        byte[] actual = Serialize(ReferenceTensors(), s_referenceMetadata);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void ReadsFileWrittenByPython()
    {
        var content = SafetensorsFile.Read(s_referencePath);
        var expected = ReferenceTensors();
        Assert.Equal(expected.Keys.Order(), content.Tensors.Keys.Order());
        foreach (var (name, tensor) in expected)
        {
            var actual = content.Tensors[name];
            Assert.Equal(tensor.DType, actual.DType);
            Assert.Equal(tensor.Shape, actual.Shape);
            Assert.Equal(tensor.ToDoubleArray(), actual.ToDoubleArray());
        }
        Assert.Equal("café \"quoted\"\n\ttab", content.Metadata["note"]);
        Assert.Equal("pt", content.Metadata["format"]);
        // Data order in the file: descending dtype alignment, then name.
        Assert.Equal(["index", "bias", "empty", "scalar", "weight", "counts", "mask"], content.Tensors.Keys);
    }

    [Theory]
    [InlineData(DType.Float32)]
    [InlineData(DType.Float64)]
    [InlineData(DType.Int32)]
    [InlineData(DType.Int64)]
    [InlineData(DType.Bool)]
    public void RoundTripsEveryDType(DType dtype)
    {
        var values = new double[] { 0, 1, -2, 3, 1, 0, 7, -8, 9, 1, 1, 0 };
        if (dtype == DType.Bool) values = values.Select(v => v == 0 ? 0.0 : 1.0).ToArray();
        var tensor = Tensor.From(values, 2, 3, 2).To(dtype);
        var strided = tensor.Transpose(0, 2); // not contiguous: the writer must lay it out row-major

        var content = Deserialize(Serialize([new("t", tensor), new("strided", strided)]));

        Assert.Equal(dtype, content.Tensors["t"].DType);
        Assert.Equal(tensor.Shape, content.Tensors["t"].Shape);
        Assert.Equal(tensor.ToDoubleArray(), content.Tensors["t"].ToDoubleArray());
        Assert.Equal(strided.Shape, content.Tensors["strided"].Shape);
        Assert.Equal(strided.ToDoubleArray(), content.Tensors["strided"].ToDoubleArray());
        Assert.Empty(content.Metadata);
    }

    [Fact]
    public void EmptyFileHasPaddedHeader()
    {
        byte[] bytes = Serialize([]);
        Assert.Equal(16, bytes.Length);
        Assert.Equal(8UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal("{}      ", Encoding.ASCII.GetString(bytes, 8, 8));
        Assert.Empty(Deserialize(bytes).Tensors);
    }

    [Fact]
    public void WriterRejectsReservedAndDuplicateNames()
    {
        var t = Tensor.Ones(2);
        Assert.Throws<ArgumentException>(() => Serialize([new("__metadata__", t)]));
        Assert.Throws<ArgumentException>(() => Serialize([new("a", t), new("a", t)]));
        Assert.Throws<ArgumentException>(() => Serialize([new("", t)]));
    }

    /// <summary>A file with the given header JSON and data bytes.</summary>
    private static byte[] Build(string header, byte[] data, ulong? declaredLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    private static byte[] BuildBytes(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    public static TheoryData<string, byte[], string> CorruptFiles()
    {
        var eight = new byte[8];
        var data = new TheoryData<string, byte[], string>
        {
            { "empty file", [], "truncated" },
            { "shorter than the length prefix", [1, 0, 0], "truncated" },
            { "header longer than the file", Build("{}", [], declaredLength: 64), "runs past the end" },
            { "header length over the limit", Build("{}", [], declaredLength: 200_000_000), "exceeds the limit" },
            { "header length near 2^64", Build("{}", [], declaredLength: ulong.MaxValue), "exceeds the limit" },
            { "not JSON", Build("{not json", []), "not valid JSON" },
            { "not starting with a brace", Build("[1, 2]", []), "does not start with '{'" },
            { "invalid UTF-8", BuildBytes([(byte)'{', (byte)'"', 0xff, (byte)'"', (byte)':', (byte)'1', (byte)'}'], []), "not valid UTF-8" },
            { "tensor entry not an object", Build("{\"a\":[1]}", []), "must be an object" },
            { "missing dtype", Build("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "dtype" },
            { "unknown dtype", Build("{\"a\":{\"dtype\":\"F33\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "unknown dtype" },
            { "negative dimension", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", eight), "non-negative integer" },
            { "fractional dimension", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,8]}}", eight), "non-negative integer" },
            { "huge shape", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[100000,100000],\"data_offsets\":[0,8]}}", eight), "elements" },
            { "size does not match shape", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", eight), "needs 12 bytes" },
            { "size does not match dtype", Build("{\"a\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]}}", eight), "needs 16 bytes" },
            { "offsets reversed", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,0]}}", eight), "end before they begin" },
            { "offsets not a pair", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", eight), "data_offsets" },
            { "offsets past the data", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", eight), "past the end" },
            { "overlapping offsets", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight), "overlaps" },
            { "gap between tensors", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight), "gap" },
            { "trailing bytes", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", eight), "trailing" },
            { "truncated data", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[5]), "past the end" },
            { "unexpected field", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"x\":1}}", eight), "unexpected field" },
            { "duplicate tensor name", Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", eight), "twice" },
            { "metadata not strings", Build("{\"__metadata__\":{\"a\":1}}", []), "must be a string" },
            { "bool byte not 0 or 1", Build("{\"a\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[0,2]}}", [1, 7]), "expected 0 or 1" },
            { "deeply nested JSON", Build("{\"__metadata__\":" + new string('[', 100) + new string(']', 100) + "}", []), "not valid JSON" },
        };
        return data;
    }

    [Theory]
    [MemberData(nameof(CorruptFiles))]
    public void CorruptFileFailsCleanly(string description, byte[] bytes, string expectedMessage)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Deserialize(bytes));
        Assert.StartsWith("safetensors:", ex.Message);
        Assert.Contains(expectedMessage, ex.Message);
        Assert.False(string.IsNullOrEmpty(description));
    }

    [Fact]
    public void EveryTruncationOfAValidFileFailsCleanly()
    {
        byte[] valid = File.ReadAllBytes(s_referencePath);
        for (int length = 0; length < valid.Length; length++)
        {
            byte[] truncated = valid[..length];
            Assert.Throws<InvalidDataException>(() => Deserialize(truncated));
        }
    }

    [Fact]
    public void UnsupportedButValidDTypeIsNotSupported()
    {
        var bytes = Build("{\"a\":{\"dtype\":\"C64\",\"shape\":[2],\"data_offsets\":[0,16]}}", new byte[16]);
        var ex = Assert.Throws<NotSupportedException>(() => Deserialize(bytes));
        Assert.Contains("C64", ex.Message);
    }

    [Fact]
    public void WriteToPathLeavesNoTemporaryFiles()
    {
        string folder = Directory.CreateTempSubdirectory("avalon-st-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.safetensors");
            SafetensorsFile.Write(path, ReferenceTensors(), s_referenceMetadata);
            SafetensorsFile.Write(path, ReferenceTensors(), s_referenceMetadata);
            Assert.Equal([path], Directory.GetFiles(folder));
            Assert.Equal(File.ReadAllBytes(s_referencePath), File.ReadAllBytes(path));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
