using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Avalon.Interop.Safetensors;

namespace Avalon.Tests.Interop.Safetensors;

/// <summary>The reader's documented limits, and malformed input that System.Text.Json reports with other exception types.</summary>
public class SafetensorsLimitsTests
{
    private static byte[] Build(string header, byte[]? data = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        data ??= [];
        var bytes = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + json.Length);
        return bytes;
    }

    private static InvalidDataException Reject(byte[] file) =>
        Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(new MemoryStream(file)));

    [Theory]
    [InlineData("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}")]
    [InlineData("{\"a\\udc00b\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}")]
    [InlineData("{\"__metadata__\":{\"\\ud800\":\"x\"}}")]
    [InlineData("{\"__metadata__\":{\"k\":\"\\udfff\"}}")]
    [InlineData("{\"a\":{\"dtype\":\"\\ud800\",\"shape\":[0],\"data_offsets\":[0,0]}}")]
    public void ALoneSurrogateEscapeIsInvalidData(string header)
    {
        var e = Reject(Build(header));
        Assert.StartsWith("safetensors:", e.Message);
    }

    private static string EmptyTensors(int count)
    {
        var json = new StringBuilder("{");
        for (int i = 0; i < count; i++)
        {
            if (i > 0) json.Append(',');
            json.Append("\"t").Append(i).Append("\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}");
        }
        return json.Append('}').ToString();
    }

    [Fact]
    public void MoreTensorsThanTheLimitAreRejectedQuicklyAndCheaply()
    {
        byte[] file = Build(EmptyTensors(SafetensorsFile.MaxTensorCount * 2));
        SafetensorsFile.Read(new MemoryStream(Build(EmptyTensors(2))));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var e = Reject(file);
        clock.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Contains($"more than {SafetensorsFile.MaxTensorCount} tensors", e.Message);
        Assert.True(allocated < 2L * file.Length, $"allocated {allocated} bytes for a {file.Length}-byte file");
        // Counting is one forward pass; the bound is loose because test machines are shared.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    [Fact]
    public void ExactlyTheLimitIsRead()
    {
        // Each empty tensor costs about 1.3 KB of objects (its tensor, storage, name, shape, JSON
        // entry) against 57 bytes of header, so the limit is what bounds this: about 130 MB at most.
        byte[] file = Build(EmptyTensors(SafetensorsFile.MaxTensorCount));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var content = SafetensorsFile.Read(new MemoryStream(file));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(SafetensorsFile.MaxTensorCount, content.Tensors.Count);
        Assert.True(allocated < 2048L * SafetensorsFile.MaxTensorCount, $"allocated {allocated} bytes for {SafetensorsFile.MaxTensorCount} tensors");
    }

    [Fact]
    public void MoreDimensionsThanTheLimitAreRejected()
    {
        string shape = string.Join(",", Enumerable.Repeat("1", SafetensorsFile.MaxRank + 1));
        var e = Reject(Build($"{{\"a\":{{\"dtype\":\"F32\",\"shape\":[{shape}],\"data_offsets\":[0,4]}}}}", new byte[4]));
        Assert.Contains($"more than the limit of {SafetensorsFile.MaxRank}", e.Message);

        string atLimit = string.Join(",", Enumerable.Repeat("1", SafetensorsFile.MaxRank));
        var content = SafetensorsFile.Read(new MemoryStream(Build($"{{\"a\":{{\"dtype\":\"F32\",\"shape\":[{atLimit}],\"data_offsets\":[0,4]}}}}", new byte[4])));
        Assert.Equal(SafetensorsFile.MaxRank, content.Tensors["a"].Rank);
    }

    [Fact]
    public void TheWriterRefusesWhatTheReaderWouldReject()
    {
        var tooDeep = Tensor.Zeros(Enumerable.Repeat(1, SafetensorsFile.MaxRank + 1).ToArray());
        var e = Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(new MemoryStream(), new Dictionary<string, Tensor> { ["a"] = tooDeep }));
        Assert.Contains("MaxRank", e.Message);
    }
}
