using System.Buffers.Binary;
using System.IO.Compression;
using Avalon.Interop.Safetensors;
using Avalon.Interop.Torch;
using Avalon.Nn;
using Avalon.Tests.Interop.Safetensors;
using Xunit.Abstractions;
using static Avalon.Tests.Data.IdxTestFiles;

namespace Avalon.Tests.Interop.Torch;

/// <summary><see cref="TorchFile.Map"/>: the lazy twin of <see cref="TorchFile.Load(string)"/>, stored storages read from the mapped file.</summary>
public class TorchFileMapTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("dtypes")]
    [InlineData("views")]
    [InlineData("mlp")]
    [InlineData("nested")]
    [InlineData("avalon-saved")]
    [InlineData("legacy")]
    public void MappedTensorsAreBitIdenticalToLoad(string name)
    {
        string path = TorchReference.File(name + ".pt");
        var loaded = TorchFile.Load(path);
        using var mapped = TorchFile.Map(path);
        Assert.Equal(name != "legacy", mapped.IsMapped);
        SafetensorsMapTests.AssertSameTensors(loaded, mapped);
        foreach (var (key, tensor) in loaded)
        {
            Assert.True(mapped.TryGetInfo(key, out var info));
            Assert.Equal(tensor.DType, info.DType);
        }
    }

    [Fact]
    public void StoredTypesAreTheFilesAndValuesArePyTorchs()
    {
        using var mapped = TorchFile.Map(TorchReference.File("dtypes.pt"));
        Assert.Equal(["float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool"],
            mapped.Tensors.Take(10).Select(t => t.StoredType));
        foreach (var property in TorchReference.Expected("dtypes").EnumerateObject())
            TorchReference.AssertMatches(property.Name, property.Value, mapped[property.Name]);
    }

    [Fact]
    public void ViewsReadOnlyTheElementsTheyReachAndKeepTheirLayout()
    {
        using var mapped = TorchFile.Map(TorchReference.File("views.pt"));
        foreach (var property in TorchReference.Expected("views").EnumerateObject())
            TorchReference.AssertMatches(property.Name, property.Value, mapped[property.Name]);
        var transposed = mapped["transposed"];
        Assert.False(transposed.IsContiguous);
        Assert.Equal([1, 4], transposed.Strides);
        Assert.Equal(12, transposed.Storage.Length);
        var tail = mapped["tail"];
        Assert.Equal(8, tail.Storage.Length);   // elements 4 to 11 of the 12 it shares with 'whole'
        Assert.Equal(0, tail.Offset);
        Assert.NotSame(mapped["whole"].Storage, mapped["whole"].Storage);
    }

    [Fact]
    public void FilesThatLoadRefusesMapRefusesWithTheSameMessage()
    {
        string path = TorchReference.File("unsafe.pt");
        var eager = Assert.Throws<InvalidDataException>(() => TorchFile.Load(path));
        var lazy = Assert.Throws<InvalidDataException>(() => TorchFile.Map(path));
        Assert.Equal(eager.Message, lazy.Message);
        Assert.Contains("is not an allowed global", lazy.Message);
    }

    /// <summary>A copy of a reference file with every entry deflated.</summary>
    private static byte[] Deflated(string name)
    {
        using var input = new ZipArchive(new MemoryStream(File.ReadAllBytes(TorchReference.File(name + ".pt"))), ZipArchiveMode.Read);
        var result = new MemoryStream();
        using (var zip = new ZipArchive(result, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in input.Entries)
            {
                using var source = entry.Open();
                using var target = zip.CreateEntry(entry.FullName, CompressionLevel.Optimal).Open();
                source.CopyTo(target);
            }
        }
        return result.ToArray();
    }

    [Theory]
    [InlineData("dtypes")]
    [InlineData("views")]
    public void DeflatedStoragesAreStreamedAndGiveTheSameTensors(string name)
    {
        using var folder = new TempFolder();
        string path = folder.File(name + ".pt", Deflated(name));
        using (var zip = ZipFile.OpenRead(path))
            Assert.Contains(zip.Entries, e => e.FullName.Contains("/data/", StringComparison.Ordinal) && e.CompressedLength < e.Length);
        var reference = TorchFile.Load(TorchReference.File(name + ".pt"));
        using var mapped = TorchFile.Map(path);
        SafetensorsMapTests.AssertSameTensors(reference, mapped);
        SafetensorsMapTests.AssertSameTensors(TorchFile.Load(path), mapped);
    }

    [Fact]
    public void ADamagedDeflatedStorageFailsCleanlyWhenRead()
    {
        using var folder = new TempFolder();
        var bytes = Deflated("mlp");
        // The first block header of a storage's deflate stream becomes 0xFF: block type 3, which deflate reserves.
        var (local, _) = Records(bytes, "PK\u0003\u0004"u8).First(r => r.Name.Contains("/data/", StringComparison.Ordinal));
        int data = local + 30 + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(local + 26)) + BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(local + 28));
        bytes[data] = 0xFF;
        string path = folder.File("damaged.pt", bytes);
        var e = Assert.ThrowsAny<Exception>(() =>
        {
            using var mapped = TorchFile.Map(path);
            foreach (var _ in mapped.Values) { }
        });
        Assert.IsType<InvalidDataException>(e);
        Assert.StartsWith("torch: ", e.Message);
    }

    [Fact]
    public void AStorageEntryOutsideTheFileIsRefused()
    {
        byte[] valid = File.ReadAllBytes(TorchReference.File("mlp.pt"));
        // The directory record of a storage: the zip reader looks at its local header only when the entry is opened; the mapped reader when the file opens.
        var (directory, name) = Records(valid, "PK\u0001\u0002"u8).First(r => r.Name.Contains("/data/", StringComparison.Ordinal));
        using var folder = new TempFolder();
        uint otherEntry = (uint)Records(valid, "PK\u0003\u0004"u8).First(r => r.Name.EndsWith("/data.pkl", StringComparison.Ordinal)).At;
        foreach (uint offset in new uint[] { (uint)valid.Length - 10, (uint)valid.Length + 4096, 0x7fff_0000, otherEntry, otherEntry + 1 })
        {
            var bytes = (byte[])valid.Clone();
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(directory + 42), offset);
            string path = folder.File($"moved-{offset}.pt", bytes);
            var e = Assert.Throws<InvalidDataException>(() =>
            {
                using var mapped = TorchFile.Map(path);
                foreach (var _ in mapped.Values) { }
            });
            Assert.StartsWith("torch: ", e.Message);
            Assert.Contains($"entry '{name}'", e.Message);
            output.WriteLine($"entry '{name}' at {offset}: {e.Message}");
        }
    }

    /// <summary>The offsets and names of the zip records (local headers or directory records) with <paramref name="signature"/>.</summary>
    private static IEnumerable<(int At, string Name)> Records(byte[] zip, ReadOnlySpan<byte> signature)
    {
        bool local = signature[2] == 3;
        var found = new List<(int, string)>();
        for (int at = zip.AsSpan().IndexOf(signature); at >= 0;)
        {
            int nameAt = at + (local ? 30 : 46);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(zip.AsSpan(at + (local ? 26 : 28)));
            found.Add((at, System.Text.Encoding.ASCII.GetString(zip, nameAt, length)));
            int next = zip.AsSpan(at + 4).IndexOf(signature);
            at = next < 0 ? -1 : at + 4 + next;
        }
        return found;
    }

    [Fact]
    public void ReadingAfterDisposeThrowsObjectDisposedException()
    {
        var mapped = TorchFile.Map(TorchReference.File("mlp.pt"));
        string key = mapped.Keys.First();
        Assert.NotNull(mapped[key]);
        mapped.Dispose();
        Assert.Throws<ObjectDisposedException>(() => mapped[key]);
        Assert.Throws<ObjectDisposedException>(() => mapped.Values.ToList());
        Assert.Contains(key, mapped.Keys);
    }

    private static Sequential Model(ulong seed)
    {
        var random = new Generator(seed);
        return new Sequential(new Linear(256, 512, generator: random), new ReLU(), new Linear(512, 512, generator: random), new Linear(512, 128, generator: random));
    }

    [Fact]
    public void LoadingThroughTheMappedViewAllocatesFarLessThanTheEagerLoad()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "model.pt");
        var source = Model(1);
        TorchFile.Save(path, source.StateDict());
        long modelBytes = source.StateDict().Values.Sum(t => (long)t.Numel * t.DType.SizeOf());
        long largest = source.StateDict().Values.Max(t => (long)t.Numel * t.DType.SizeOf());
        var target = Model(2);
        using (var warm = TorchFile.Map(path)) target.LoadStateDict(warm);
        target.LoadStateDict(TorchFile.Load(path));

        target = Model(3);
        long start = GC.GetAllocatedBytesForCurrentThread();
        using (var mapped = TorchFile.Map(path)) target.LoadStateDict(mapped);
        long lazy = GC.GetAllocatedBytesForCurrentThread() - start;
        foreach (var (key, tensor) in source.StateDict()) SafetensorsShardedTests.AssertBitExact(key, tensor, target.StateDict()[key]);

        start = GC.GetAllocatedBytesForCurrentThread();
        target.LoadStateDict(TorchFile.Load(path));
        long eager = GC.GetAllocatedBytesForCurrentThread() - start;

        output.WriteLine($"model {modelBytes} bytes (largest tensor {largest}); eager load allocated {eager}, mapped load {lazy}");
        Assert.True(eager >= modelBytes, $"the eager load allocated {eager} bytes for {modelBytes} of tensors");
        Assert.True(lazy < modelBytes + largest + (64 << 10), $"the mapped load allocated {lazy} bytes; the model holds {modelBytes}");
        Assert.True(lazy < 64L << 10, $"the mapped load allocated {lazy} bytes for a CPU model; expected only bookkeeping (the pickle, the zip's directory)");
    }

    private sealed class Views : Module
    {
        [Buffer] public Tensor Whole = Tensor.Zeros([12]);
        [Buffer] public Tensor Tail = Tensor.Zeros([2, 4]);
        [Buffer] public Tensor Transposed = Tensor.Zeros([4, 3]);
        [Buffer] public Tensor Stepped = Tensor.Zeros([2, 2]);
    }

    [Fact]
    public void StridedTensorsLoadIntoAModuleThroughATemporaryAndContiguousOnesDirectly()
    {
        // 'transposed' and 'stepped' are strided views in the file: each is read into a tensor of its own and copied;
        // 'whole' and 'tail' (offset 4) are read straight into the buffers.
        var module = new Views();
        using var mapped = TorchFile.Map(TorchReference.File("views.pt"));
        var result = module.LoadStateDict(mapped);
        Assert.Empty(result.MissingKeys);
        var state = module.StateDict();
        foreach (var property in TorchReference.Expected("views").EnumerateObject())
            TorchReference.AssertMatches(property.Name, property.Value, state[property.Name]);
    }

    [Fact]
    public void ValuesCanBeReadFromSeveralThreadsAtOnce()
    {
        using var folder = new TempFolder();
        string stored = TorchReference.File("dtypes.pt");
        string deflated = folder.File("dtypes-deflated.pt", Deflated("dtypes"));
        var expected = TorchFile.Load(stored);
        foreach (var path in new[] { stored, deflated })
        {
            using var mapped = TorchFile.Map(path);
            Parallel.For(0, 64, i =>
            {
                string key = expected.Keys.ElementAt(i % expected.Count);
                SafetensorsShardedTests.AssertBitExact(key, expected[key], mapped[key]);
            });
        }
    }
}
