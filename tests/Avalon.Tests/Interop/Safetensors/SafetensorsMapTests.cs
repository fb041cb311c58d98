using System.Buffers.Binary;
using Avalon.Data;
using Avalon.Interop;
using Avalon.Interop.Safetensors;
using Avalon.Nn;
using Avalon.Tests.Interop.Torch;
using Xunit.Abstractions;
using static Avalon.Tests.Data.IdxTestFiles;

namespace Avalon.Tests.Interop.Safetensors;

/// <summary><see cref="SafetensorsFile.Map"/> and <see cref="SafetensorsFile.MapSharded"/>: the lazy, memory-mapped twins of Read and ReadSharded.</summary>
public class SafetensorsMapTests(ITestOutputHelper output)
{
    private static readonly string s_data = Path.Combine(AppContext.BaseDirectory, "Data");

    /// <summary>Every committed single-file safetensors reference (Python's writer, PyTorch's dtypes, an Avalon v1 checkpoint, the shards).</summary>
    public static TheoryData<string> ReferenceFiles() =>
    [
        Path.Combine("Safetensors", "reference.safetensors"),
        Path.Combine("Torch", "dtypes.safetensors"),
        Path.Combine("Checkpoints", "mlp-adam-v1.safetensors"),
        Path.Combine("Torch", "sharded", "model-00001-of-00002.safetensors"),
        Path.Combine("Torch", "sharded", "model-00002-of-00002.safetensors"),
    ];

    internal static void AssertSameTensors(IReadOnlyDictionary<string, Tensor> expected, MappedStateDict mapped)
    {
        Assert.Equal(expected.Keys, mapped.Keys);
        Assert.Equal(expected.Count, mapped.Count);
        foreach (var info in mapped.Tensors)
        {
            var tensor = expected[info.Name];
            Assert.Equal(tensor.DType, info.DType);
            Assert.Equal(tensor.Shape, info.Shape);
        }
        foreach (var (key, tensor) in mapped) SafetensorsShardedTests.AssertBitExact(key, expected[key], tensor);
        foreach (var key in expected.Keys) SafetensorsShardedTests.AssertBitExact(key, expected[key], mapped[key]);
    }

    [Theory]
    [MemberData(nameof(ReferenceFiles))]
    public void MappedTensorsAreBitIdenticalToRead(string file)
    {
        string path = Path.Combine(s_data, file);
        var read = SafetensorsFile.Read(path);
        using var mapped = SafetensorsFile.Map(path);
        AssertSameTensors(read.Tensors, mapped);
        Assert.Equal(read.Metadata.OrderBy(p => p.Key), mapped.Metadata.OrderBy(p => p.Key));
    }

    [Fact]
    public void EveryDTypeOfTheReferenceIsListedWithItsStoredType()
    {
        using var mapped = SafetensorsFile.Map(Path.Combine(s_data, "Torch", "dtypes.safetensors"));
        var stored = mapped.Tensors.Select(t => t.StoredType).ToHashSet();
        foreach (var type in new[] { "float32", "float64", "float16", "bfloat16", "int64", "int32", "int16", "int8", "uint8", "bool" })
            Assert.Contains(type, stored);
        Assert.All(mapped.Tensors, t => Assert.Equal(ElementReader.Describe(t.StoredType)!.Value.DType, t.DType));
    }

    [Fact]
    public void MapShardedIsBitIdenticalToReadSharded()
    {
        string index = Path.Combine(TorchReference.Folder, "sharded", SafetensorsFile.IndexFileName);
        var read = SafetensorsFile.ReadSharded(index);
        using var mapped = SafetensorsFile.MapSharded(index);
        AssertSameTensors(read.Tensors, mapped);
        Assert.Equal(read.Metadata.OrderBy(p => p.Key), mapped.Metadata.OrderBy(p => p.Key));

        var model = new Sequential(new Linear(4, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 3));
        Assert.Empty(model.LoadStateDict(mapped).MissingKeys);
        foreach (var (key, tensor) in model.StateDict()) SafetensorsShardedTests.AssertBitExact(key, read.Tensors[key], tensor);
    }

    [Fact]
    public void MapShardedRefusesAShardOfAnotherSaveAsReadShardedDoes()
    {
        using var first = new TempFolder();
        using var second = new TempFolder();
        var random = new Generator(3);
        var tensors = new Dictionary<string, Tensor> { ["a"] = Tensor.Randn([40], random), ["b"] = Tensor.Randn([40], random) };
        string index = Path.Combine(first.Path, SafetensorsFile.IndexFileName);
        var shards = SafetensorsFile.WriteSharded(index, tensors, maxShardBytes: 200);
        SafetensorsFile.WriteSharded(Path.Combine(second.Path, SafetensorsFile.IndexFileName), tensors, maxShardBytes: 200);
        using (var mapped = SafetensorsFile.MapSharded(index)) AssertSameTensors(SafetensorsFile.ReadSharded(index).Tensors, mapped);
        File.Copy(Path.Combine(second.Path, shards[1]), Path.Combine(first.Path, shards[1]), overwrite: true);
        var eager = Assert.Throws<InvalidDataException>(() => SafetensorsFile.ReadSharded(index));
        var lazy = Assert.Throws<InvalidDataException>(() => SafetensorsFile.MapSharded(index));
        Assert.Equal(eager.Message, lazy.Message);
        Assert.Contains("not from the save", lazy.Message);
    }

    [Theory]
    [MemberData(nameof(SafetensorsFileTests.CorruptFiles), MemberType = typeof(SafetensorsFileTests))]
    public void CorruptFilesFailAsReadFailsThem(string description, byte[] bytes, string expectedMessage)
    {
        using var folder = new TempFolder();
        string path = folder.File("corrupt.safetensors", bytes);
        var eager = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(path));
        // The header is validated when the file is mapped; data (a bool byte) when its tensor is read.
        var lazy = Assert.Throws<InvalidDataException>(() =>
        {
            using var mapped = SafetensorsFile.Map(path);
            foreach (var _ in mapped.Values) { }
        });
        Assert.Equal(eager.Message, lazy.Message);
        Assert.Contains(expectedMessage, lazy.Message);
        Assert.False(string.IsNullOrEmpty(description));
    }

    [Fact]
    public void ListingReadsNoTensorDataAndEachValueIsReadWhenAskedFor()
    {
        // A bool tensor with an invalid byte: the file maps and lists, and only reading that tensor fails.
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "bad-mask.safetensors");
        SafetensorsFile.Write(path, new Dictionary<string, Tensor> { ["w"] = Tensor.From(new float[] { 1, 2 }), ["mask"] = Tensor.From(new bool[] { true, false }) });
        var bytes = File.ReadAllBytes(path);
        bytes[^1] = 7;
        File.WriteAllBytes(path, bytes);
        using var mapped = SafetensorsFile.Map(path);
        Assert.Equal(["mask", "w"], mapped.Keys.Order(StringComparer.Ordinal));
        Assert.True(mapped.TryGetInfo("mask", out var info));
        Assert.Equal(DType.Bool, info.DType);
        Assert.Equal([1f, 2f], mapped["w"].ToArray<float>());
        var e = Assert.Throws<InvalidDataException>(() => mapped["mask"]);
        Assert.Contains("tensor 'mask'", e.Message);
        Assert.Contains("expected 0 or 1", e.Message);
        Assert.Throws<KeyNotFoundException>(() => mapped["missing"]);
        Assert.False(mapped.TryGetValue("missing", out _));
    }

    [Fact]
    public void ReadingAfterDisposeThrowsObjectDisposedException()
    {
        var mapped = SafetensorsFile.Map(Path.Combine(s_data, "Safetensors", "reference.safetensors"));
        var keys = mapped.Keys.ToList();
        Assert.NotNull(mapped["weight"]);
        var values = mapped.Values.GetEnumerator();
        mapped.Dispose();
        mapped.Dispose();
        Assert.Throws<ObjectDisposedException>(() => mapped["weight"]);
        Assert.Throws<ObjectDisposedException>(() => mapped.TryGetValue("weight", out _));
        Assert.Throws<ObjectDisposedException>(() => mapped.First());
        Assert.Throws<ObjectDisposedException>(() => values.MoveNext());
        Assert.Equal(keys, mapped.Keys);   // the names stay readable

        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "masked.safetensors");
        SafetensorsFile.Write(path, new Masked().StateDict());
        var closed = SafetensorsFile.Map(path);
        closed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => new Masked().LoadStateDict(closed));
    }

    private sealed class Masked : Module
    {
        public Linear Fc = new(3, 2, generator: new Generator(1));
        [Buffer] public Tensor Mask = Tensor.From(new bool[] { true, false, true, true });
    }

    [Fact]
    public void LoadStateDictFromAMappedFileIsAllOrNothing()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "masked.safetensors");
        var source = new Masked();
        source.Fc.Weight.CopyFrom_(Tensor.Ones([2, 3]));
        SafetensorsFile.Write(path, source.StateDict());
        var bytes = File.ReadAllBytes(path);
        // The data area ends with the mask (BOOL sorts last); its last byte becomes 2.
        bytes[^1] = 2;
        File.WriteAllBytes(path, bytes);
        var target = new Masked();
        var before = target.Fc.Weight.ToArray<float>();
        using var mapped = SafetensorsFile.Map(path);
        var e = Assert.Throws<InvalidDataException>(() => target.LoadStateDict(mapped));
        Assert.Contains("expected 0 or 1", e.Message);
        Assert.Equal(before, target.Fc.Weight.ToArray<float>());
    }

    private static Sequential Model(ulong seed)
    {
        var random = new Generator(seed);
        return new Sequential(new Linear(256, 512, generator: random), new ReLU(), new Linear(512, 512, generator: random), new Linear(512, 128, generator: random));
    }

    [Fact]
    public void LoadingThroughTheMappedViewAllocatesFarLessThanTheEagerRead()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "model.safetensors");
        var source = Model(1);
        SafetensorsFile.Write(path, source.StateDict());
        long modelBytes = source.StateDict().Values.Sum(t => (long)t.Numel * t.DType.SizeOf());
        long largest = source.StateDict().Values.Max(t => (long)t.Numel * t.DType.SizeOf());
        var target = Model(2);
        // Compile both paths once before measuring them.
        using (var warm = SafetensorsFile.Map(path)) target.LoadStateDict(warm);
        target.LoadStateDict(SafetensorsFile.Read(path).Tensors);

        target = Model(3);
        long start = GC.GetAllocatedBytesForCurrentThread();
        using (var mapped = SafetensorsFile.Map(path)) target.LoadStateDict(mapped);
        long lazy = GC.GetAllocatedBytesForCurrentThread() - start;
        foreach (var (key, tensor) in source.StateDict()) SafetensorsShardedTests.AssertBitExact(key, tensor, target.StateDict()[key]);

        start = GC.GetAllocatedBytesForCurrentThread();
        target.LoadStateDict(SafetensorsFile.Read(path).Tensors);
        long eager = GC.GetAllocatedBytesForCurrentThread() - start;

        output.WriteLine($"model {modelBytes} bytes (largest tensor {largest}); eager load allocated {eager}, mapped load {lazy}");
        Assert.True(eager >= modelBytes, $"the eager read allocated {eager} bytes for {modelBytes} of tensors");
        // The bound of the design (the model, one tensor, slack), and what a CPU model really costs: the tensors are read into the parameters.
        Assert.True(lazy < modelBytes + largest + (64 << 10), $"the mapped load allocated {lazy} bytes; the model holds {modelBytes}");
        Assert.True(lazy < 64L << 10, $"the mapped load allocated {lazy} bytes for a CPU model; expected only bookkeeping");
    }

    [Fact]
    public void ReadingOneValueAllocatesThatTensorOnly()
    {
        using var folder = new TempFolder();
        string path = Path.Combine(folder.Path, "model.safetensors");
        SafetensorsFile.Write(path, Model(1).StateDict());
        using var mapped = SafetensorsFile.Map(path);
        _ = mapped["2.weight"];
        long start = GC.GetAllocatedBytesForCurrentThread();
        var weight = mapped["2.weight"];
        long allocated = GC.GetAllocatedBytesForCurrentThread() - start;
        Assert.Equal(new Shape(512, 512), weight.Shape);
        Assert.True(allocated >= 512 * 512 * 4 && allocated < 512 * 512 * 4 + (16 << 10), $"reading one 1 MiB tensor allocated {allocated} bytes");
        long fileBytes = new FileInfo(path).Length;
        Assert.True(fileBytes > 3 * allocated / 2, $"the file holds {fileBytes} bytes");
    }
}
