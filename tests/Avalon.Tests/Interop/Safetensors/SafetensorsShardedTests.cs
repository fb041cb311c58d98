using System.Text.Json;
using Avalon.Data;
using Avalon.Interop;
using Avalon.Interop.Safetensors;
using Avalon.Interop.Torch;
using Avalon.Nn;
using Avalon.Tests.Interop.Torch;
using static Avalon.Tests.Data.IdxTestFiles;

namespace Avalon.Tests.Interop.Safetensors;

/// <summary>Sharded safetensors checkpoints (an index's weight_map naming the shard of each tensor), as Hugging Face writes them.</summary>
public class SafetensorsShardedTests
{
    private static string ReferenceIndex => Path.Combine(TorchReference.Folder, "sharded", SafetensorsFile.IndexFileName);

    internal static void AssertBitExact(string key, Tensor expected, Tensor actual)
    {
        Assert.True(expected.DType == actual.DType, $"{key}: dtype {actual.DType.Name()} for {expected.DType.Name()}");
        Assert.True(expected.Shape.SequenceEqual(actual.Shape), $"{key}: shape {actual.Shape} for {expected.Shape}");
        Assert.True(HostTensors.Bytes(expected).SequenceEqual(HostTensors.Bytes(actual)), $"{key}: the bytes differ");
    }

    private static OrderedDictionary<string, Tensor> Sample()
    {
        var random = new Generator(21);
        return new()
        {
            ["embed.weight"] = Tensor.Randn([16, 8], random),           // 512 bytes
            ["layers.0.weight"] = Tensor.Randn([8, 8], random),         // 256
            ["layers.0.bias"] = Tensor.Randn([8], random, DType.Float64), // 64
            ["layers.1.weight"] = Tensor.Randn([8, 8], random),         // 256
            ["steps"] = Tensor.From(new long[] { 7, -1L << 50 }),        // 16
            ["mask"] = Tensor.From(new[] { true, false, true }),          // 3
            ["head.weight"] = Tensor.Randn([40, 8], random),            // 1280: larger than a shard, alone
            ["empty"] = Tensor.Zeros([0, 3]),
        };
    }

    [Fact]
    public void TheShardsPyTorchsToolsWroteLoadIntoTheModelAsTheSingleFileDoes()
    {
        var sharded = SafetensorsFile.ReadSharded(ReferenceIndex);
        var single = TorchFile.Load(TorchReference.File("mlp.pt"));
        Assert.Equal(single.Keys, sharded.Tensors.Keys);
        foreach (var (key, tensor) in single) AssertBitExact(key, tensor, sharded.Tensors[key]);
        Assert.Equal("404", sharded.Metadata["total_size"]);

        var model = new Sequential(new Linear(4, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 3));
        var result = model.LoadStateDict(StateDictFile.Load(ReferenceIndex));
        Assert.Empty(result.MissingKeys);
        foreach (var (key, tensor) in model.StateDict()) AssertBitExact(key, single[key], tensor);
    }

    [Fact]
    public void WriteThenReadGivesTheSameTensorsInShardsOfAtMostTheLimit()
    {
        using var folder = new TempFolder();
        string index = Path.Combine(folder.Path, SafetensorsFile.IndexFileName);
        var tensors = Sample();
        var shards = SafetensorsFile.WriteSharded(index, tensors, maxShardBytes: 600);
        // 512 | 256 + 64 + 256 + 16 + 3 (595) | 1280 alone, and the empty tensor, which never starts a shard
        Assert.Equal(["model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"], shards);
        foreach (var shard in shards)
        {
            var content = SafetensorsFile.Read(Path.Combine(folder.Path, shard));
            long bytes = content.Tensors.Values.Sum(t => (long)t.Numel * t.DType.SizeOf());
            Assert.True(bytes <= 600 || content.Tensors.Count(t => t.Value.Numel > 0) == 1, $"{shard} holds {bytes} bytes");
            Assert.Equal("pt", content.Metadata["format"]);
        }
        using (var json = JsonDocument.Parse(File.ReadAllBytes(index)))
        {
            Assert.Equal(tensors.Values.Sum(t => (long)t.Numel * t.DType.SizeOf()), json.RootElement.GetProperty("metadata").GetProperty("total_size").GetInt64());
            var map = json.RootElement.GetProperty("weight_map").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
            Assert.Equal("model-00003-of-00003.safetensors", map["head.weight"]);
            Assert.Equal("model-00003-of-00003.safetensors", map["empty"]);
            Assert.Equal("model-00002-of-00003.safetensors", map["layers.0.bias"]);
            Assert.Equal("model-00002-of-00003.safetensors", map["mask"]);
        }
        var read = SafetensorsFile.ReadSharded(index);
        Assert.Equal(tensors.Keys, read.Tensors.Keys);
        foreach (var (key, tensor) in tensors) AssertBitExact(key, tensor, read.Tensors[key]);
    }

    [Fact]
    public void ASaveWithFewerShardsRemovesTheStaleOnesAndLeavesOtherFiles()
    {
        using var folder = new TempFolder();
        string index = Path.Combine(folder.Path, SafetensorsFile.IndexFileName);
        SafetensorsFile.WriteSharded(index, Sample(), maxShardBytes: 600);
        string other = folder.File("notes-00001-of-00002.safetensors", [1, 2, 3]);
        var shards = SafetensorsFile.WriteSharded(index, Sample(), maxShardBytes: 1 << 20);
        Assert.Equal(["model-00001-of-00001.safetensors"], shards);
        Assert.Equal(["model-00001-of-00001.safetensors", SafetensorsFile.IndexFileName, "notes-00001-of-00002.safetensors"],
            Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        Assert.True(File.Exists(other));
        Assert.Equal(Sample().Keys, SafetensorsFile.ReadSharded(index).Tensors.Keys);
    }

    [Fact]
    public void AShardFromAnotherSaveIsRefusedRatherThanMixedIn()
    {
        // As if a save was interrupted after replacing one shard: same names and shapes, other values.
        using var first = new TempFolder();
        using var second = new TempFolder();
        string index = Path.Combine(first.Path, SafetensorsFile.IndexFileName);
        SafetensorsFile.WriteSharded(index, Sample(), maxShardBytes: 600);
        var changed = Sample();
        changed["embed.weight"] = Tensor.Zeros([16, 8]);
        SafetensorsFile.WriteSharded(Path.Combine(second.Path, SafetensorsFile.IndexFileName), changed, maxShardBytes: 600);
        File.Copy(Path.Combine(second.Path, "model-00001-of-00003.safetensors"), Path.Combine(first.Path, "model-00001-of-00003.safetensors"), overwrite: true);
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.ReadSharded(index));
        Assert.Contains("shard 'model-00001-of-00003.safetensors' is not from the save that wrote the index", e.Message);
    }

    [Fact]
    public void AMissingShardIsNamedInTheError()
    {
        using var folder = new TempFolder();
        string index = Path.Combine(folder.Path, SafetensorsFile.IndexFileName);
        SafetensorsFile.WriteSharded(index, Sample(), maxShardBytes: 600);
        File.Delete(Path.Combine(folder.Path, "model-00002-of-00003.safetensors"));
        var e = Assert.Throws<FileNotFoundException>(() => SafetensorsFile.ReadSharded(index));
        Assert.Contains("shard 'model-00002-of-00003.safetensors'", e.Message);
        Assert.Contains(index, e.Message);
        Assert.Equal(Path.Combine(folder.Path, "model-00002-of-00003.safetensors"), e.FileName);
    }

    [Theory]
    [InlineData("../outside.safetensors")]
    [InlineData("/etc/outside.safetensors")]
    [InlineData("sub/inner.safetensors")]
    [InlineData("..")]
    [InlineData("sub\\\\inner.safetensors")]
    public void AnIndexNamingAFileOutsideItsFolderIsRefused(string shard)
    {
        using var folder = new TempFolder();
        SafetensorsFile.Write(Path.Combine(folder.Path, "..", "outside.safetensors"), Sample());
        try
        {
            string index = folder.File(SafetensorsFile.IndexFileName, System.Text.Encoding.UTF8.GetBytes(
                "{\"metadata\": {}, \"weight_map\": {\"embed.weight\": \"" + shard + "\"}}"));
            var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.ReadSharded(index));
            Assert.Contains("not a file name in the index's folder", e.Message);
            Assert.Contains("embed.weight", e.Message);
        }
        finally
        {
            File.Delete(Path.Combine(folder.Path, "..", "outside.safetensors"));
        }
    }

    [Fact]
    public void AShardThatLinksOutOfTheFolderIsRefused()
    {
        if (OperatingSystem.IsWindows()) return; // symbolic links need privileges there
        using var folder = new TempFolder();
        using var outside = new TempFolder();
        string target = Path.Combine(outside.Path, "model-00001-of-00001.safetensors");
        SafetensorsFile.Write(target, Sample());
        File.CreateSymbolicLink(Path.Combine(folder.Path, "model-00001-of-00001.safetensors"), target);
        string map = string.Join(", ", Sample().Keys.Select(k => $"\"{k}\": \"model-00001-of-00001.safetensors\""));
        string index = folder.File(SafetensorsFile.IndexFileName, System.Text.Encoding.UTF8.GetBytes("{\"weight_map\": {" + map + "}}"));
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.ReadSharded(index));
        Assert.Contains("is a link to", e.Message);
        Assert.Contains("outside the index's folder", e.Message);
    }

    [Fact]
    public void AWeightMapThatDisagreesWithTheShardsIsRefused()
    {
        using var folder = new TempFolder();
        string index = Path.Combine(folder.Path, SafetensorsFile.IndexFileName);
        SafetensorsFile.WriteSharded(index, Sample(), maxShardBytes: 600);
        string text = File.ReadAllText(index);
        File.WriteAllText(index, text.Replace("\"steps\": \"model-00002-of-00003.safetensors\"", "\"steps\": \"model-00001-of-00003.safetensors\"", StringComparison.Ordinal));
        var e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.ReadSharded(index));
        Assert.Contains("tensor 'steps' is mapped to shard 'model-00001-of-00003.safetensors', which does not hold it", e.Message);
        File.WriteAllText(index, text.Replace("\"mask\": \"model-00002-of-00003.safetensors\",", "", StringComparison.Ordinal));
        e = Assert.Throws<InvalidDataException>(() => SafetensorsFile.ReadSharded(index));
        Assert.Contains("holds tensor 'mask', which the weight map does not name", e.Message);
    }

    [Fact]
    public void WritingRefusesABadIndexNameAndADuplicateKeyBeforeWritingAnything()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<ArgumentException>(() => SafetensorsFile.WriteSharded(Path.Combine(folder.Path, "model.json"), Sample(), 600));
        Assert.Contains(".safetensors.index.json", e.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => SafetensorsFile.WriteSharded(Path.Combine(folder.Path, SafetensorsFile.IndexFileName), Sample(), 0));
        var twice = new List<KeyValuePair<string, Tensor>>([new("a", Tensor.Zeros([2])), new("a", Tensor.Zeros([3]))]);
        e = Assert.Throws<ArgumentException>(() => SafetensorsFile.WriteSharded(Path.Combine(folder.Path, SafetensorsFile.IndexFileName), twice, 600));
        Assert.Contains("'a' is given twice", e.Message);
        Assert.Empty(Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void StateDictFileSavesAndLoadsEveryFormatByItsName()
    {
        using var folder = new TempFolder();
        var tensors = Sample();
        tensors.Remove("empty");
        foreach (var name in new[] { "weights.pt", "weights.safetensors", "weights.safetensors.index.json" })
        {
            string path = Path.Combine(folder.Path, name);
            StateDictFile.Save(path, tensors, maxShardBytes: 600);
            var read = StateDictFile.Load(path);
            Assert.Equal(tensors.Keys.Order(StringComparer.Ordinal), read.Keys.Order(StringComparer.Ordinal));
            foreach (var (key, tensor) in tensors) AssertBitExact($"{name}: {key}", tensor, read[key]);
        }
        Assert.True(File.Exists(Path.Combine(folder.Path, "weights-00003-of-00003.safetensors")));
        Assert.Equal(StateDictFormat.Torch, StateDictFile.FormatOf("a/b.PTH"));
        var e = Assert.Throws<ArgumentException>(() => StateDictFile.Load(Path.Combine(folder.Path, "weights.onnx")));
        Assert.Contains("no known state dict format", e.Message);
    }
}
