using System.IO.Compression;
using Avalon.Data;

namespace Avalon.Tests.Data;

/// <summary>The IDX reader's limits: exact gzip framing, the element cap, and allocation bounded by what a file really holds.</summary>
public class IdxReaderBoundsTests
{
    private static byte[] Images(int count, int seed)
    {
        var random = new Random(seed);
        var pixels = new byte[count * 28 * 28];
        random.NextBytes(pixels);
        return IdxTestFiles.UByte([count, 28, 28], pixels);
    }

    private static string Reject(byte[] file, long maxElements = IdxReader.DefaultMaxElements) =>
        Assert.Throws<InvalidDataException>(() => IdxReader.Read(new MemoryStream(file), "f", maxElements)).Message;

    [Theory]
    [InlineData(1)]
    [InlineData(8)]
    [InlineData(100)]
    public void BytesAfterTheGzipMemberAreRejected(int junk)
    {
        byte[] gz = IdxTestFiles.Gzip(Images(3, 1));
        Assert.Equal(3, IdxReader.Read(new MemoryStream(gz), "ok").Dims[0]);
        byte[] file = [.. gz, .. Enumerable.Range(0, junk).Select(i => (byte)(i * 37 + 11))];
        Assert.Contains("bytes follow it", Reject(file));
    }

    [Fact]
    public void AnEmptyGzipMemberAppendedIsRejected()
    {
        // An empty member: header, an empty final stored block, CRC-32 0 and length 0.
        byte[] empty = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 0x03, 0x00, 0, 0, 0, 0, 0, 0, 0, 0];
        byte[] file = [.. IdxTestFiles.Gzip(Images(2, 2)), .. empty];
        Assert.Contains("gzip trailer", Reject(file));
    }

    [Fact]
    public void ASecondMemberWithMoreDataIsRejected()
    {
        byte[] file = [.. IdxTestFiles.Gzip(Images(2, 2)), .. IdxTestFiles.Gzip([1, 2, 3])];
        Assert.Contains("dims product mismatch", Reject(file));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(8)]
    public void ATruncatedGzipTrailerIsRejected(int cut)
    {
        byte[] gz = IdxTestFiles.Gzip(Images(2, 3));
        Assert.Contains("gzip trailer", Reject(gz[..^cut]));
    }

    [Fact]
    public void AFileShorterThanAnyGzipMemberIsRejected()
    {
        Assert.Contains("shorter than the 20 bytes", Reject([0x1F, 0x8B, 8, 0, 0]));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void MoreElementsThanTheLimitAreRejected(bool gzip)
    {
        byte[] file = Images(2, 4);
        if (gzip) file = IdxTestFiles.Gzip(file);
        Assert.Equal(2 * 784, IdxReader.Read(new MemoryStream(file), "f", 2 * 784).Length);
        string message = Reject(file, 2 * 784 - 1);
        Assert.Contains("1568 elements, more than the limit of 1567", message);
        Assert.Contains("maxElements", message);
        Assert.Throws<ArgumentOutOfRangeException>(() => IdxReader.Read(new MemoryStream(file), "f", -1));
    }

    [Fact]
    public void TheDefaultLimitRejectsALyingFirstDimension()
    {
        // 2.7 million 28×28 images claimed by a file that holds 100: more elements than the default cap.
        byte[] body = Images(100, 5);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(4), 2_700_000);
        byte[] file = IdxTestFiles.Gzip(body);
        long before = GC.GetAllocatedBytesForCurrentThread();
        string message = Reject(file);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("more than the limit", message);
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes");
    }

    [Fact]
    public void ATruncatedGzipClaimingMuchMoreAllocatesAFewTimesWhatItHolds()
    {
        // 400,000 images claimed (314 MB, under the cap and under what deflate could expand the file to);
        // the stream holds 400 (314 KB).
        byte[] body = Images(400, 6);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(body.AsSpan(4), 400_000);
        byte[] file = IdxTestFiles.Gzip(body);
        long before = GC.GetAllocatedBytesForCurrentThread();
        string message = Reject(file);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains("truncated data", message);
        Assert.True(allocated < 8L * body.Length + (1 << 20), $"allocated {allocated} bytes for a file of {file.Length} bytes ({body.Length} decompressed)");
    }

    [Fact]
    public void AHighlyCompressedLegitimateFileIsRead()
    {
        // 20,000 blank images: 15.7 MB of zeros in a gzip file of about 15 KB (ratio ~1000).
        byte[] body = IdxTestFiles.UByte([20_000, 28, 28], new byte[20_000 * 784]);
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize, leaveOpen: true)) gzip.Write(body);
        byte[] file = output.ToArray();
        Assert.True(file.Length < body.Length / 500, $"compressed to {file.Length} bytes");
        var array = IdxReader.Read(new MemoryStream(file), "zeros");
        Assert.Equal([20_000, 28, 28], array.Dims);
        Assert.True(array.AsBytes().All(b => b == 0));
    }
}
