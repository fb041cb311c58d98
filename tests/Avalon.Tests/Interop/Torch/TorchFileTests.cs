using System.IO.Compression;
using System.Numerics;
using System.Text;
using Avalon.Interop.Torch;
using Avalon.Interop.Torch.Pickle;
using Avalon.Nn;

namespace Avalon.Tests.Interop.Torch;

/// <summary>TorchFile against files written by PyTorch (tests/reference/torch_files.py) and its own writer.</summary>
public class TorchFileTests
{
    [Theory]
    [InlineData("dtypes")]
    [InlineData("legacy")]
    public void EveryDTypeLoadsWithPyTorchsValues(string name)
    {
        var loaded = TorchFile.Load(TorchReference.File(name + ".pt"));
        var expected = TorchReference.Expected(name);
        Assert.Equal(expected.EnumerateObject().Select(p => p.Name).Order(), loaded.Keys.Order());
        foreach (var property in expected.EnumerateObject())
            TorchReference.AssertMatches(property.Name, property.Value, loaded[property.Name]);
        Assert.Equal(["f32", "f64", "f16", "bf16", "i64", "i32", "i16", "i8", "u8", "bool", "scalar", "empty"], loaded.Keys);
    }

    [Fact]
    public void ViewsKeepTheirLayoutAndShareTheirStorage()
    {
        var loaded = TorchFile.Load(TorchReference.File("views.pt"));
        foreach (var property in TorchReference.Expected("views").EnumerateObject())
            TorchReference.AssertMatches(property.Name, property.Value, loaded[property.Name]);
        Assert.False(loaded["transposed"].IsContiguous);
        Assert.Equal([1, 4], loaded["transposed"].Strides);
        Assert.Equal(4, loaded["stepped"].Offset);
        Assert.Same(loaded["transposed"].Storage, loaded["stepped"].Storage);
        Assert.Same(loaded["whole"].Storage, loaded["tail"].Storage);
        Assert.Equal(4, loaded["tail"].Offset);
    }

    [Fact]
    public void NestedContainersAndPlainValuesKeepTheirPythonTypes()
    {
        var root = Assert.IsType<PickleDict>(TorchFile.LoadObject(TorchReference.File("nested.pt")));
        Assert.Equal(3L, root["epoch"]);
        Assert.Equal(0.125, root["lr"]);
        Assert.Equal("mlp", root["name"]);
        Assert.Equal(new object?[] { true, null }, Assert.IsType<List<object?>>(root["flags"]));
        var pair = Assert.IsType<PickleTuple>(root["pair"]);
        Assert.Equal(new object?[] { 1L, "two" }, pair.ToArray());
        Assert.Equal(BigInteger.One << 70, root["big"]);
        var model = Assert.IsType<PickleDict>(root["model"]);
        Assert.IsType<Tensor>(model["w"]);

        var flat = TorchFile.Load(TorchReference.File("nested.pt"));
        Assert.Equal(["tensors.0", "tensors.1", "model.w"], flat.Keys);
        var expected = TorchReference.Expected("nested");
        TorchReference.AssertMatches("model.w", expected.GetProperty("w"), flat["model.w"]);
        TorchReference.AssertMatches("tensors.0", expected.GetProperty("t0"), flat["tensors.0"]);
    }

    [Fact]
    public void APyTorchStateDictLoadsIntoTheMatchingModuleAndGivesPyTorchsOutput()
    {
        var expected = TorchReference.Expected("mlp");
        var model = new Sequential(new Linear(4, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 3));
        var state = TorchFile.Load(TorchReference.File("mlp.pt"));
        Assert.Equal(expected.GetProperty("keys").EnumerateArray().Select(k => k.GetString()), state.Keys);
        model.LoadStateDict(state);
        model.Eval();
        var input = ValuesOf(expected.GetProperty("input"));
        var output = model.Forward(input);
        var want = ValuesOf(expected.GetProperty("output"));
        Assert.Equal(want.Shape, output.Shape);
        var (a, b) = (output.ToArray<float>(), want.ToArray<float>());
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5 + 1e-5 * Math.Abs(b[i]), $"output[{i}]: {a[i]} vs PyTorch's {b[i]}");
    }

    private static Tensor ValuesOf(System.Text.Json.JsonElement e)
    {
        var shape = e.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var values = e.GetProperty("values").EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        return Tensor.From(values, shape);
    }

    [Fact]
    public void AFileThatWouldRunCodeIsRefusedNamingTheGlobal()
    {
        var e = Assert.Throws<InvalidDataException>(() => TorchFile.Load(TorchReference.File("unsafe.pt")));
        Assert.Contains("GLOBAL posix.system", e.Message);
        Assert.Contains("unsafe.pt", e.Message);
    }

    [Fact]
    public void SaveThenLoadGivesTheSameTensors()
    {
        var basis = Tensor.Arange(0, 12).To(DType.Float32).Reshape(3, 4);
        var state = new OrderedDictionary<string, Tensor>
        {
            ["w"] = Tensor.Randn([3, 2], new Generator(3)),
            ["transposed"] = basis.T,
            ["d"] = Tensor.From(new[] { 1.5, -2.25 }),
            ["i"] = Tensor.From(new[] { 1, -7, int.MaxValue }),
            ["l"] = Tensor.From(new[] { long.MinValue, 5L }),
            ["b"] = Tensor.From(new[] { true, false }),
            ["scalar"] = Tensor.Scalar(3f),
            ["empty"] = Tensor.Zeros([0, 2]),
        };
        var path = Path.Combine(Path.GetTempPath(), $"avalon-torch-{Guid.NewGuid():N}.pt");
        try
        {
            TorchFile.Save(path, state);
            var loaded = TorchFile.Load(path);
            Assert.Equal(state.Keys, loaded.Keys);
            foreach (var (key, tensor) in state)
            {
                Assert.Equal(tensor.DType, loaded[key].DType);
                Assert.Equal(tensor.Shape, loaded[key].Shape);
                Assert.Equal(tensor.To(DType.Float64).Reshape(-1).ToArray<double>(), loaded[key].To(DType.Float64).Reshape(-1).ToArray<double>());
            }
            using var zip = ZipFile.OpenRead(path);
            string stem = Path.GetFileNameWithoutExtension(path);
            Assert.Contains(zip.Entries, e => e.FullName == stem + "/data.pkl");
            Assert.All(zip.Entries, e => Assert.Equal(e.Length, e.CompressedLength));
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// The committed <c>avalon-saved.pt</c> is what <see cref="TorchFile.Save(string, IEnumerable{KeyValuePair{string, Tensor}})"/> writes for
    /// <see cref="SavedStateDict"/>; <c>torch_files.py check</c> loads it with <c>torch.load(weights_only=True)</c>
    /// and compares it with <c>avalon-saved.json</c>. This test keeps both true: the writer still writes those bytes.
    /// </summary>
    [Fact]
    public void TheWriterStillWritesTheFileThatPyTorchWasCheckedToRead()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"avalon-torch-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "avalon-saved.pt");
            TorchFile.Save(path, SavedStateDict());
            Assert.Equal(File.ReadAllBytes(TorchReference.File("avalon-saved.pt")), File.ReadAllBytes(path));
            var expected = TorchReference.Expected("avalon-saved");
            var loaded = TorchFile.Load(path);
            foreach (var property in expected.EnumerateObject())
                TorchReference.AssertMatches(property.Name, property.Value, loaded[property.Name]);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    /// <summary>Fixed values of every dtype Avalon writes, a non-contiguous view and a 0-d tensor.</summary>
    internal static OrderedDictionary<string, Tensor> SavedStateDict() => new()
    {
        ["fc.weight"] = Tensor.From(new[] { 0.5f, -1.25f, 3f, 1e-3f, -7.5f, 2f }, 2, 3),
        ["fc.bias"] = Tensor.From(new[] { 0.25f, -0.125f }),
        ["transposed"] = Tensor.From(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, 2, 3).T,
        ["double"] = Tensor.From(new[] { Math.PI, -1e300 }),
        ["steps"] = Tensor.Scalar(12345678901, DType.Int64),
        ["counts"] = Tensor.From(new[] { -3, 0, int.MaxValue }),
        ["mask"] = Tensor.From(new[] { true, false, true }),
    };

    [Fact]
    public void StorageKeysThatLookLikePathsAreRefused()
    {
        var bytes = RezipPickle(File.ReadAllBytes(TorchReference.File("views.pt")), pickle =>
            Replace(pickle, "X\u0001\u0000\u0000\u00000"u8.ToArray(), "X\u0004\u0000\u0000\u0000../0"u8.ToArray()));
        var e = Assert.Throws<InvalidDataException>(() => TorchFile.Load(new MemoryStream(bytes)));
        Assert.Contains("storage key", e.Message);
    }

    [Fact]
    public void AStorageDeclaredLargerThanItsEntryIsRefusedBeforeAllocating()
    {
        // views.pt's first storage has 12 elements (BININT1 12); declare 200.
        var bytes = RezipPickle(File.ReadAllBytes(TorchReference.File("views.pt")), pickle =>
            Replace(pickle, "cpu"u8.ToArray().Concat(new byte[] { (byte)'q', 6, (byte)'K', 12 }).ToArray(), "cpu"u8.ToArray().Concat(new byte[] { (byte)'q', 6, (byte)'K', 200 }).ToArray()));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataException>(() => TorchFile.Load(new MemoryStream(bytes)));
        Assert.Contains("needs 800 bytes, but its entry holds 48", e.Message);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Theory]
    [InlineData(new byte[] { 0x80, 2, (byte)'c', (byte)'o', (byte)'s', (byte)'\n', (byte)'s', (byte)'y', (byte)'s', (byte)'t', (byte)'e', (byte)'m', (byte)'\n', (byte)'.' }, "GLOBAL os.system")]
    [InlineData(new byte[] { 0x80, 2, (byte)'(', (byte)'i', (byte)'o', (byte)'s', (byte)'\n', (byte)'s', (byte)'\n', (byte)'.' }, "opcode INST is not allowed")]
    [InlineData(new byte[] { 0x80, 2, (byte)'X', 0xff, 0xff, 0xff, 0x7f, (byte)'.' }, "runs past the end")]
    [InlineData(new byte[] { 0x80, 2, (byte)'}', (byte)'K', 1 }, "truncated")]
    [InlineData(new byte[] { 0x80, 2, (byte)'h', 9, (byte)'.' }, "never PUT")]
    [InlineData(new byte[] { 0x80, 1, (byte)'N', (byte)'.' }, "protocol 1 is not supported")]
    public void HostilePicklesAreRefusedWithTheReason(byte[] pickle, string reason)
    {
        var bytes = RezipPickle(File.ReadAllBytes(TorchReference.File("views.pt")), _ => pickle);
        var e = Assert.Throws<InvalidDataException>(() => TorchFile.Load(new MemoryStream(bytes)));
        Assert.Contains(reason, e.Message);
    }

    [Fact]
    public void ATopLevelValueThatIsNotADictIsExplained()
    {
        var bytes = RezipPickle(File.ReadAllBytes(TorchReference.File("views.pt")), _ => [0x80, 2, (byte)'K', 3, (byte)'.']);
        Assert.Equal(3L, TorchFile.LoadObject(new MemoryStream(bytes)));
        var e = Assert.Throws<InvalidDataException>(() => TorchFile.Load(new MemoryStream(bytes)));
        Assert.Contains("not a dict of tensors", e.Message);
    }

    [Fact]
    public void DeeplyNestedAndSelfContainingListsAreRefusedWithoutOverflowingTheStack()
    {
        // {'a': [[[[...]]]]} 100,000 deep, and a list that contains itself.
        var deep = new List<byte> { 0x80, 2, (byte)'}', (byte)'X', 1, 0, 0, 0, (byte)'a' };
        for (int i = 0; i < 100_000; i++) deep.Add((byte)']');
        for (int i = 0; i < 99_999; i++) deep.Add((byte)'a');
        deep.AddRange("s."u8.ToArray());
        var e = Assert.Throws<InvalidDataException>(() => TorchFile.Load(new MemoryStream(RezipPickle(File.ReadAllBytes(TorchReference.File("views.pt")), _ => [.. deep]))));
        Assert.Contains("nested more than", e.Message);
        byte[] cycle = [0x80, 2, (byte)'}', (byte)'X', 1, 0, 0, 0, (byte)'a', (byte)']', (byte)'q', 0, (byte)'h', 0, (byte)'a', (byte)'s', (byte)'.'];
        e = Assert.Throws<InvalidDataException>(() => TorchFile.Load(new MemoryStream(RezipPickle(File.ReadAllBytes(TorchReference.File("views.pt")), _ => cycle))));
        Assert.Contains("holds itself", e.Message);
    }

    [Fact]
    public void FilesThatAreNotPyTorchFilesSayWhatTheyStartWith()
    {
        var e = Assert.Throws<InvalidDataException>(() => TorchFile.Load(new MemoryStream(Encoding.ASCII.GetBytes("{\"not\": \"torch\"}"))));
        Assert.Contains("not a PyTorch file", e.Message);
        e = Assert.Throws<InvalidDataException>(() => TorchFile.Load(new MemoryStream(File.ReadAllBytes(TorchReference.File("mlp.pt"))[..600])));
        Assert.Contains("stream", e.Message);
    }

    /// <summary>A copy of a torch.save zip whose data.pkl is replaced by <paramref name="edit"/> of it.</summary>
    internal static byte[] RezipPickle(byte[] file, Func<byte[], byte[]> edit)
    {
        using var input = new ZipArchive(new MemoryStream(file), ZipArchiveMode.Read);
        var output = new MemoryStream();
        using (var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in input.Entries)
            {
                using var source = entry.Open();
                var content = new MemoryStream();
                source.CopyTo(content);
                var bytes = entry.FullName.EndsWith("/data.pkl", StringComparison.Ordinal) ? edit(content.ToArray()) : content.ToArray();
                using var target = zip.CreateEntry(entry.FullName, CompressionLevel.NoCompression).Open();
                target.Write(bytes);
            }
        }
        return output.ToArray();
    }

    private static byte[] Replace(byte[] data, byte[] find, byte[] with)
    {
        int at = data.AsSpan().IndexOf(find);
        Assert.True(at >= 0, "the pattern to edit is not in the pickle");
        return [.. data[..at], .. with, .. data[(at + find.Length)..]];
    }
}
