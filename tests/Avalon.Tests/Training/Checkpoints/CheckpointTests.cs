using Avalon.Interop.Safetensors;
using Avalon.Training.Checkpoints;

namespace Avalon.Tests.Training.Checkpoints;

public sealed class CheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("avalon-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static Dictionary<string, Tensor> ModelState() => new()
    {
        ["conv1.weight"] = Tensor.From(new float[] { 1, 2, 3, 4, 5, 6 }, 1, 1, 2, 3),
        ["conv1.bias"] = Tensor.From(new float[] { 0.5f }),
        ["bn.running_mean"] = Tensor.From(new float[] { 0.1f, 0.2f }),
        ["bn.num_batches_tracked"] = Tensor.Scalar(7, DType.Int64),
    };

    private static OptimizerCheckpointState OptimizerState() => new(
        new Dictionary<int, IReadOnlyDictionary<string, Tensor>>
        {
            [0] = new Dictionary<string, Tensor> { ["exp_avg"] = Tensor.Full([1, 1, 2, 3], 0.25), ["exp_avg_sq"] = Tensor.Full([1, 1, 2, 3], 0.5) },
            [1] = new Dictionary<string, Tensor> { ["exp_avg"] = Tensor.From(new float[] { -1 }) },
        },
        """{"param_groups":[{"lr":0.001,"betas":[0.9,0.999],"params":[0,1]}],"step":[12,12]}""");

    [Fact]
    public void RoundTripsModelOptimizerEpochAndMetadata()
    {
        string path = PathOf("epoch-3.safetensors");
        Checkpoint.Save(path, ModelState(), OptimizerState(), epoch: 3, metadata: new Dictionary<string, string> { ["note"] = "baseline", ["lr"] = "0.001" });

        var checkpoint = Checkpoint.Load(path);

        Assert.Equal(2, checkpoint.FormatVersion);
        Assert.Equal(3, checkpoint.Epoch);
        Assert.Equal("baseline", checkpoint.Metadata["note"]);
        Assert.Equal("0.001", checkpoint.Metadata["lr"]);
        var expected = ModelState();
        Assert.Equal(expected.Keys.Order(), checkpoint.ModelState.Keys.Order());
        foreach (var (key, tensor) in expected)
        {
            Assert.Equal(tensor.DType, checkpoint.ModelState[key].DType);
            Assert.Equal(tensor.Shape, checkpoint.ModelState[key].Shape);
            Assert.Equal(tensor.ToDoubleArray(), checkpoint.ModelState[key].ToDoubleArray());
        }
        var optimizer = checkpoint.OptimizerState!;
        Assert.Equal([0, 1], optimizer.State.Keys.Order());
        Assert.Equal(Enumerable.Repeat(0.5, 6), optimizer.State[0]["exp_avg_sq"].ToDoubleArray());
        Assert.Equal([-1.0], optimizer.State[1]["exp_avg"].ToDoubleArray());
        using var json = System.Text.Json.JsonDocument.Parse(optimizer.Json);
        Assert.Equal(0.001, json.RootElement.GetProperty("param_groups")[0].GetProperty("lr").GetDouble());
    }

    [Fact]
    public void FileIsPlainSafetensorsWithDocumentedLayout()
    {
        string path = PathOf("c.safetensors");
        Checkpoint.Save(path, ModelState(), OptimizerState(), epoch: 1);
        var content = SafetensorsFile.Read(path);
        Assert.Equal("avalon.checkpoint", content.Metadata["format"]);
        Assert.Equal("2", content.Metadata["format_version"]);
        Assert.Contains("conv1.weight", content.Tensors.Keys);
        Assert.Contains("optimizer.state.0.exp_avg", content.Tensors.Keys);
        Assert.Contains("optimizer.state.1.exp_avg", content.Tensors.Keys);
        using var description = System.Text.Json.JsonDocument.Parse(content.Metadata["checkpoint"]);
        Assert.Equal(1, description.RootElement.GetProperty("epoch").GetInt32());
    }

    [Fact]
    public void WithoutOptimizerOrEpoch()
    {
        string path = PathOf("model.safetensors");
        Checkpoint.Save(path, ModelState());
        var checkpoint = Checkpoint.Load(path);
        Assert.Null(checkpoint.OptimizerState);
        Assert.Null(checkpoint.Epoch);
        Assert.Empty(checkpoint.Metadata);
        Assert.Equal(4, checkpoint.ModelState.Count);
    }

    [Fact]
    public void NewerFormatVersionFailsWithClearMessage()
    {
        string path = PathOf("future.safetensors");
        SafetensorsFile.Write(path, ModelState(), new Dictionary<string, string> { ["format"] = "avalon.checkpoint", ["format_version"] = "3", ["checkpoint"] = "{}" });
        var ex = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path));
        Assert.Contains("version 3", ex.Message);
        Assert.Contains("update Avalon", ex.Message);
    }

    [Fact]
    public void PlainSafetensorsFileIsNotACheckpoint()
    {
        string path = PathOf("weights.safetensors");
        SafetensorsFile.Write(path, ModelState());
        var ex = Assert.Throws<CheckpointException>(() => Checkpoint.Load(path));
        Assert.Contains("not an Avalon checkpoint", ex.Message);
    }

    [Fact]
    public void ReservedPrefixInModelStateIsRejected()
    {
        var state = new Dictionary<string, Tensor> { ["optimizer.state.0.x"] = Tensor.Ones(1) };
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(PathOf("x.safetensors"), state));
        Assert.False(File.Exists(PathOf("x.safetensors")));
    }

    [Fact]
    public void SavingAgainReplacesTheFileAndLeavesNoTemporaryFiles()
    {
        string path = PathOf("latest.safetensors");
        Checkpoint.Save(path, ModelState(), epoch: 1);
        Checkpoint.Save(path, ModelState(), OptimizerState(), epoch: 2);

        Assert.Equal([path], Directory.GetFiles(_folder));
        var checkpoint = Checkpoint.Load(path);
        Assert.Equal(2, checkpoint.Epoch);
        Assert.NotNull(checkpoint.OptimizerState);
    }

    [Fact]
    public void InvalidOptimizerJsonIsRejected()
    {
        var ex = Assert.Throws<ArgumentException>(() => new OptimizerCheckpointState(new Dictionary<int, IReadOnlyDictionary<string, Tensor>>(), "{not json"));
        Assert.Contains("not valid", ex.Message);
    }
}
