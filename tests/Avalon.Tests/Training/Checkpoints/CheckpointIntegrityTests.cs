using Avalon.Interop.Safetensors;
using Avalon.Optim;
using Avalon.Training.Checkpoints;
using static Avalon.Tests.Training.TrainingTestSupport;

namespace Avalon.Tests.Training.Checkpoints;

/// <summary>Checksums (format version 2), loading of version 1 files, and the refusal to save non-finite weights.</summary>
public sealed class CheckpointIntegrityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("avalon-integrity-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    [Fact]
    public void AFloat16TensorReadsAsFloat32ButFailsTheChecksumOfACheckpoint()
    {
        // docs/checkpoint-format.md: safetensors readers widen F16 to float32; a checkpoint's checksums cover the dtype stored.
        string path = PathOf("half.safetensors");
        Checkpoint.Save(path, new Dictionary<string, Tensor> { ["w"] = Tensor.From(new[] { 1f, -2f }) });
        byte[] bytes = File.ReadAllBytes(path);
        string header = System.Text.Encoding.UTF8.GetString(bytes);
        const string stored = "\"w\":{\"dtype\":\"F32\",\"shape\":[2]";
        int at = header.IndexOf(stored, StringComparison.Ordinal);
        Assert.True(at > 0);
        // The same 8 data bytes as four float16 values: F32[2] becomes F16[4], the header keeps its length.
        System.Text.Encoding.UTF8.GetBytes("\"w\":{\"dtype\":\"F16\",\"shape\":[4]").CopyTo(bytes, at);
        File.WriteAllBytes(path, bytes);

        var raw = SafetensorsFile.Read(path);
        Assert.Equal(DType.Float32, raw.Tensors["w"].DType);
        Assert.Equal([4], raw.Tensors["w"].Shape);
        var e = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path));
        Assert.Contains("the checksum of tensor 'w' does not match", e.Message);
    }

    [Fact]
    public void Version1FileWrittenByTheVersion1WriterStillLoads()
    {
        string path = CheckpointFiles.Version1File;
        var raw = SafetensorsFile.Read(path);
        Assert.Equal("1", raw.Metadata["format_version"]);

        var model = new Mlp(2, 4, 2, seed: 99);
        var adam = new Adam(model.Parameters(), lr: 0.5, amsgrad: true);
        var checkpoint = model.Load(path, adam);

        Assert.Equal(1, checkpoint.FormatVersion);
        Assert.Equal(2, checkpoint.Epoch);
        Assert.Equal("format version 1 writer", checkpoint.Metadata["written_by"]);
        Assert.Null(checkpoint.SchedulerState);
        foreach (var (name, tensor) in model.StateDict())
            Assert.Equal(raw.Tensors[name].ToDoubleArray(), tensor.ToDoubleArray());
        Assert.Equal(0.01, adam.ParamGroups[0].LearningRate);
        var state = adam.StateDict().State;
        Assert.Equal(4, state.Count);
        Assert.Equal(2.0, state[0]["step"]);
        Assert.Equal(raw.Tensors["optimizer.state.3.max_exp_avg_sq"].ToDoubleArray(), ((Tensor)state[3]["max_exp_avg_sq"]).ToDoubleArray());

        // Saved again it becomes version 2 and holds the same values.
        TransactionalLoadTests.Steps(model, adam, 1);
        model.Save(PathOf("v2.safetensors"), adam);
        var again = new Mlp(2, 4, 2, seed: 3);
        var againAdam = new Adam(again.Parameters(), amsgrad: true);
        Assert.Equal(2, again.Load(PathOf("v2.safetensors"), againAdam).FormatVersion);
        Assert.Equal(Snapshot(model), Snapshot(again));
        Assert.Equal(CheckpointFiles.Fingerprint(adam), CheckpointFiles.Fingerprint(againAdam));
    }

    [Fact]
    public void Version2StoresAChecksumOfEveryTensor()
    {
        var model = new Mlp(2, 4, 2, seed: 1);
        var adam = new Adam(model.Parameters());
        TransactionalLoadTests.Steps(model, adam, 1);
        model.Save(PathOf("m.safetensors"), adam);
        var raw = SafetensorsFile.Read(PathOf("m.safetensors"));
        using var document = System.Text.Json.JsonDocument.Parse(raw.Metadata["checkpoint"]);
        var checksums = document.RootElement.GetProperty("checksums");
        Assert.Equal("xxh3-64", checksums.GetProperty("algorithm").GetString());
        var names = checksums.GetProperty("tensors").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Equal(raw.Tensors.Keys.ToHashSet(), names);
        Assert.All(checksums.GetProperty("tensors").EnumerateObject(), p => Assert.Matches("^[0-9a-f]{16}$", p.Value.GetString()));
        Assert.Matches("^[0-9a-f]{16}$", raw.Metadata["checkpoint_xxh3"]);
    }

    [Fact]
    public void ADamagedTensorIsNamed()
    {
        var model = new Mlp(2, 4, 2, seed: 1);
        string path = PathOf("m.safetensors");
        model.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        var raw = SafetensorsFile.Read(path);
        // The data area ends with the last tensor in file order; flip one bit of its last byte.
        string last = raw.Tensors.Keys.Last();
        bytes[^1] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        var target = new Mlp(2, 4, 2, seed: 2);
        var before = Snapshot(target);
        var error = Assert.Throws<CheckpointException>(() => target.Load(path));
        Assert.Equal([$"the checksum of tensor '{last}' does not match its float32 data of shape {raw.Tensors[last].Shape} (the file is damaged)."], error.Problems);
        Assert.Equal(before, Snapshot(target));
    }

    [Fact]
    public void AShapeChangedToAnotherOfTheSameSizeIsCaughtByTheChecksum()
    {
        var model = new Mlp(2, 4, 2, seed: 1);
        string path = PathOf("m.safetensors");
        model.Save(path);
        byte[] bytes = File.ReadAllBytes(path);
        string text = System.Text.Encoding.Latin1.GetString(bytes);
        int at = text.IndexOf("\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[2,4]", StringComparison.Ordinal);
        Assert.True(at > 0);
        int shape = text.IndexOf("[2,4]", at, StringComparison.Ordinal);
        bytes[shape + 1] = (byte)'4';
        bytes[shape + 3] = (byte)'2';
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path));
        Assert.Contains(error.Problems, p => p.Contains("the checksum of tensor 'fc2.weight'"));
    }

    [Fact]
    public void NonFiniteWeightsAreRefusedUnlessAllowed()
    {
        var model = new Mlp(2, 4, 2, seed: 1);
        string path = PathOf("m.safetensors");
        model.Save(path, epoch: 1);
        var state = model.StateDict();
        var values = state["fc2.weight"].ToDoubleArray();
        values[5] = double.NaN;
        var weights = new Dictionary<string, Tensor>(state) { ["fc2.weight"] = Tensor.From(Array.ConvertAll(values, v => (float)v), 2, 4) };
        model.LoadStateDict(weights);

        var error = Assert.Throws<ArgumentException>(() => model.Save(path, epoch: 2));
        Assert.Contains("'fc2.weight'", error.Message);
        Assert.Contains("NaN at flat index 5", error.Message);
        Assert.Contains("allowNonFinite: true", error.Message);
        Assert.Equal(1, Checkpoint.Load(path).Epoch);   // the good file is still there

        model.Save(path, epoch: 2, allowNonFinite: true);
        var loaded = Checkpoint.Load(path);
        Assert.Equal(2, loaded.Epoch);
        Assert.True(double.IsNaN(loaded.ModelState["fc2.weight"].ToDoubleArray()[5]));
    }
}
