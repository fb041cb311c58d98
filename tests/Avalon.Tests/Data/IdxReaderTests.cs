using System.Buffers.Binary;
using Avalon.Data;

namespace Avalon.Tests.Data;

public class IdxReaderTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UByteRoundTrip(bool gzip)
    {
        var values = new byte[3 * 2 * 5];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (byte)(i * 7 + 200);
        }
        byte[] file = IdxTestFiles.UByte([3, 2, 5], values);
        using var folder = new IdxTestFiles.TempFolder();
        string path = folder.File(gzip ? "x.idx.gz" : "x.idx", gzip ? IdxTestFiles.Gzip(file) : file);

        IdxArray array = IdxReader.Read(path);

        Assert.Equal(IdxDataType.UByte, array.DataType);
        Assert.Equal([3, 2, 5], array.Dims);
        Assert.Equal(values, array.AsBytes());
        Assert.Equal(30, array.Length);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void WideTypesAreReadBigEndian(bool gzip)
    {
        short[] shorts = [-2, 300, short.MaxValue, short.MinValue];
        int[] ints = [-1, 123_456_789, int.MinValue];
        float[] floats = [1.5f, -0.0f, 3.25e-3f, float.PositiveInfinity, -7e30f];
        double[] doubles = [Math.PI, -1e-300, 0.0];
        sbyte[] sbytes = [-128, 127, 0, -1, 5];

        var shortBody = new byte[2 * shorts.Length];
        for (int i = 0; i < shorts.Length; i++) BinaryPrimitives.WriteInt16BigEndian(shortBody.AsSpan(2 * i), shorts[i]);
        var intBody = new byte[4 * ints.Length];
        for (int i = 0; i < ints.Length; i++) BinaryPrimitives.WriteInt32BigEndian(intBody.AsSpan(4 * i), ints[i]);
        var floatBody = new byte[4 * floats.Length];
        for (int i = 0; i < floats.Length; i++) BinaryPrimitives.WriteSingleBigEndian(floatBody.AsSpan(4 * i), floats[i]);
        var doubleBody = new byte[8 * doubles.Length];
        for (int i = 0; i < doubles.Length; i++) BinaryPrimitives.WriteDoubleBigEndian(doubleBody.AsSpan(8 * i), doubles[i]);
        var sbyteBody = new byte[sbytes.Length];
        for (int i = 0; i < sbytes.Length; i++) sbyteBody[i] = unchecked((byte)sbytes[i]);

        Assert.Equal(shorts, Read(0x0B, [2, 2], shortBody, gzip).As<short>());
        Assert.Equal(ints, Read(0x0C, [3], intBody, gzip).As<int>());
        Assert.Equal(floats, Read(0x0D, [5, 1], floatBody, gzip).As<float>());
        Assert.Equal(doubles, Read(0x0E, [1, 3], doubleBody, gzip).As<double>());
        Assert.Equal(sbytes, Read(0x09, [5], sbyteBody, gzip).As<sbyte>());

        IdxArray fromFloats = Read(0x0D, [5], floatBody, gzip);
        Assert.Equal(IdxDataType.Float32, fromFloats.DataType);
        Assert.Equal(floats, fromFloats.ToSingle());
        Assert.Equal([-2f, 300f, short.MaxValue, short.MinValue], Read(0x0B, [4], shortBody, gzip).ToSingle());
    }

    [Fact]
    public void ZeroSizedDimensionGivesEmptyArray()
    {
        IdxArray array = IdxReader.Read(new MemoryStream(IdxTestFiles.UByte([0, 28, 28], [])), "empty");
        Assert.Equal([0, 28, 28], array.Dims);
        Assert.Empty(array.AsBytes());
    }

    [Fact]
    public void NonSeekableStreamIsRead()
    {
        byte[] file = IdxTestFiles.Gzip(IdxTestFiles.UByte([4], [1, 2, 3, 4]));
        IdxArray array = IdxReader.Read(new ForwardOnlyStream(file), "pipe");
        Assert.Equal([1, 2, 3, 4], array.AsBytes());
    }

    [Fact]
    public void StreamIsReadFromItsCurrentPosition()
    {
        byte[] file = [0xAA, 0xBB, .. IdxTestFiles.UByte([2], [9, 8])];
        var stream = new MemoryStream(file) { Position = 2 };
        Assert.Equal([9, 8], IdxReader.Read(stream, "offset").AsBytes());
    }

    [Fact]
    public void WrongTypedViewIsAClearError()
    {
        IdxArray array = IdxReader.Read(new MemoryStream(IdxTestFiles.UByte([2], [1, 2])), "x");
        var ex = Assert.Throws<InvalidOperationException>(() => array.As<float>());
        Assert.Contains("UByte", ex.Message);
        Assert.Contains("Single[]", ex.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void BadMagicNumberIsReported(bool gzip)
    {
        byte[] file = [0x12, 0x34, 0x08, 0x01, 0, 0, 0, 1, 5];
        string message = ReadCorrupt(file, gzip);
        Assert.Contains("bad magic number 12 34 08 01", message);
    }

    [Fact]
    public void UnknownTypeCodeIsReported()
    {
        string message = ReadCorrupt([0, 0, 0x0A, 0x01, 0, 0, 0, 1, 5], gzip: false);
        Assert.Contains("unknown type code 0x0A", message);
    }

    [Fact]
    public void RankZeroIsReported()
    {
        Assert.Contains("rank is 0", ReadCorrupt([0, 0, 0x08, 0x00, 5], gzip: false));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedHeaderIsReported(bool gzip)
    {
        byte[] file = IdxTestFiles.Header(0x08, 3, 28, 28)[..10];
        Assert.Contains("truncated header", ReadCorrupt(file, gzip));
        Assert.Contains("too short for the 4-byte IDX magic", ReadCorrupt([0, 0], gzip));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedDataIsReported(bool gzip)
    {
        byte[] file = IdxTestFiles.UByte([2, 3], [1, 2, 3, 4, 5]);
        string message = ReadCorrupt(file, gzip);
        Assert.Contains("truncated", message);
        Assert.Contains("dims [2, 3]", message);
        Assert.Contains("6 bytes", message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DataBeyondTheDeclaredDimsIsReported(bool gzip)
    {
        byte[] file = IdxTestFiles.UByte([2, 2], [1, 2, 3, 4, 5, 6]);
        string message = ReadCorrupt(file, gzip);
        Assert.Contains("dims product mismatch", message);
        Assert.Contains("dims [2, 2]", message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void HugeDeclaredSizeInATinyFileIsRejectedBeforeAllocating(bool gzip)
    {
        byte[] file = [.. IdxTestFiles.Header(0x0E, 60000, 60000, 60000), 1, 2, 3];
        string message = ReadCorrupt(file, gzip);
        Assert.Contains("dims [60000, 60000, 60000]", message);
    }

    [Fact]
    public void NegativeDimensionIsReported()
    {
        byte[] file = [.. IdxTestFiles.Header(0x08, 2, -1), 1, 2];
        Assert.Contains("dimension 1 is 4294967295", ReadCorrupt(file, gzip: false));
    }

    [Fact]
    public void CorruptGzipDataIsReported()
    {
        byte[] good = IdxTestFiles.Gzip(IdxTestFiles.UByte([64], new byte[64]));
        byte[] bad = [.. good[..10], .. Enumerable.Repeat((byte)0xFF, 40)];
        Assert.Contains("the gzip data is corrupt", ReadCorrupt(bad, gzip: false));
    }

    [Fact]
    public void MissingFileIsFileNotFound()
    {
        Assert.Throws<FileNotFoundException>(() => IdxReader.Read(Path.Combine(Path.GetTempPath(), "avalon-no-such-file.idx")));
    }

    private static IdxArray Read(byte typeCode, int[] dims, byte[] body, bool gzip)
    {
        byte[] file = [.. IdxTestFiles.Header(typeCode, dims), .. body];
        return IdxReader.Read(new MemoryStream(gzip ? IdxTestFiles.Gzip(file) : file), "memory");
    }

    /// <summary>Writes the bytes to a file, expects the reader to reject it, and returns the message.</summary>
    private static string ReadCorrupt(byte[] file, bool gzip)
    {
        using var folder = new IdxTestFiles.TempFolder();
        string path = folder.File("corrupt.idx", gzip ? IdxTestFiles.Gzip(file) : file);
        var ex = Assert.Throws<InvalidDataException>(() => IdxReader.Read(path));
        Assert.Contains($"'{path}'", ex.Message);
        return ex.Message;
    }

    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
