using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training;
using Avalon.Training.Checkpoints;
using static Avalon.Tests.Training.TrainingTestSupport;

namespace Avalon.Tests.Training.Checkpoints;

public sealed class ModuleCheckpointTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("avalon-module-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static Optimizer Create(string kind, Module model, double lr) => kind switch
    {
        "Adam" => new Adam(model.Parameters(), lr: lr, amsgrad: true),
        "AdamW" => new AdamW(model.Parameters(), lr: lr),
        "SGD" => new Sgd(model.Parameters(), lr: lr, momentum: 0.9, nesterov: true),
        "RMSprop" => new RmsProp(model.Parameters(), lr: lr, momentum: 0.5, centered: true),
        "Adagrad" => new Adagrad(model.Parameters(), lr: lr),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    private static List<(Tensor X, Tensor Y)> Batches() =>
        [.. new DataLoader(Blobs(96, seed: 5), batchSize: 16).Select(b => (b.Input, b.Target))];

    private static void Steps(Module model, Optimizer optimizer, IEnumerable<(Tensor X, Tensor Y)> batches)
    {
        foreach (var (x, y) in batches)
        {
            optimizer.ZeroGrad(setToNone: true);
            CrossEntropy(model.Forward(x), y).Backward();
            optimizer.Step();
        }
    }

    [Theory]
    [InlineData("Adam")]
    [InlineData("AdamW")]
    [InlineData("SGD")]
    [InlineData("RMSprop")]
    [InlineData("Adagrad")]
    public void SaveLoadAndContinueEqualsUninterruptedTraining(string kind)
    {
        var batches = Batches();   // 6 steps
        var uninterrupted = new Mlp(2, 8, 2, seed: 1);
        Steps(uninterrupted, Create(kind, uninterrupted, 0.01), batches);

        var first = new Mlp(2, 8, 2, seed: 1);
        var firstOptimizer = Create(kind, first, 0.01);
        Steps(first, firstOptimizer, batches.Take(3));
        string path = PathOf("resume.safetensors");
        first.Save(path, firstOptimizer, epoch: 3, metadata: new Dictionary<string, string> { ["run"] = "a" });

        // A fresh process: other initial weights and another learning rate, all replaced by the checkpoint.
        var resumed = new Mlp(2, 8, 2, seed: 42);
        var resumedOptimizer = Create(kind, resumed, 0.5);
        var checkpoint = resumed.Load(path, resumedOptimizer);
        Assert.Equal(3, checkpoint.Epoch);
        Assert.Equal("a", checkpoint.Metadata["run"]);
        Assert.Equal(0.01, resumedOptimizer.ParamGroups[0].LearningRate);
        Steps(resumed, resumedOptimizer, batches.Skip(3));

        Assert.Equal(Snapshot(uninterrupted), Snapshot(resumed));
    }

    [Fact]
    public void FitResumedFromACheckpointEqualsUninterruptedFit()
    {
        var data = Blobs(80, seed: 3);
        var options = new FitOptions { Shuffle = false, Progress = Avalon.Training.Progress.ProgressMode.Silent };
        var uninterrupted = new Mlp(2, 8, 2, seed: 1);
        var h = uninterrupted.Fit(CrossEntropy, new Adam(uninterrupted.Parameters(), lr: 0.01), data, epochs: 4, batchSize: 16, options: options);

        var first = new Mlp(2, 8, 2, seed: 1);
        var optimizer = new Adam(first.Parameters(), lr: 0.01);
        var h1 = first.Fit(CrossEntropy, optimizer, data, epochs: 2, batchSize: 16, options: options);
        first.Save(PathOf("epoch-2.safetensors"), optimizer, epoch: 2);
        var resumed = new Mlp(2, 8, 2, seed: 2);
        var resumedOptimizer = new Adam(resumed.Parameters());
        resumed.Load(PathOf("epoch-2.safetensors"), resumedOptimizer);
        var h2 = resumed.Fit(CrossEntropy, resumedOptimizer, data, epochs: 2, batchSize: 16, options: options);

        Assert.Equal(Snapshot(uninterrupted), Snapshot(resumed));
        Assert.Equal(h.Series("loss"), h1.Series("loss").Concat(h2.Series("loss")));
    }

    [Fact]
    public void OptimizerStateKeepsItsTypesThroughTheFile()
    {
        var model = new Mlp(2, 4, 2, seed: 1);
        var adam = new Adam(model.Parameters(), lr: 1e-3, betas: (0.8, 0.99));
        var rms = new RmsProp(model.Parameters(), lr: 1e-2);
        Steps(model, adam, Batches().Take(3));
        Steps(model, rms, Batches().Take(3));

        var adamState = adam.ToCheckpointState();
        Assert.Contains("\"type\":\"Adam\"", adamState.Json);
        Assert.Contains("\"step\":3.0", adamState.Json);
        Assert.Contains("\"betas\":[0.8,0.99]", adamState.Json);
        Assert.Contains("\"lr\":0.001,\"betas\":[0.8,0.99],\"eps\":1e-08,\"weight_decay\":0.0,", adamState.Json);
        Assert.Equal(["exp_avg", "exp_avg_sq"], adamState.State[0].Keys.Order());
        Assert.Contains("\"step\":3}", rms.ToCheckpointState().Json);

        model.Save(PathOf("rms.safetensors"), rms);
        var keys = Avalon.Interop.Safetensors.SafetensorsFile.Read(PathOf("rms.safetensors")).Tensors.Select(t => t.Key).ToHashSet();
        Assert.Superset(new HashSet<string> { "fc1.weight", "fc2.bias", "optimizer.state.0.square_avg", "optimizer.state.3.square_avg" }, keys);
        Assert.Equal(4 + 4, keys.Count);
        var other = new Mlp(2, 4, 2, seed: 1);
        var loaded = new RmsProp(other.Parameters());
        other.Load(PathOf("rms.safetensors"), loaded);
        Assert.IsType<long>(loaded.StateDict().State[0]["step"]);
        Assert.Equal(3L, loaded.StateDict().State[0]["step"]);
        Assert.Equal(((Tensor)rms.StateDict().State[3]["square_avg"]).ToDoubleArray(), ((Tensor)loaded.StateDict().State[3]["square_avg"]).ToDoubleArray());
    }

    [Fact]
    public void NonFiniteHyperparametersRoundTrip()
    {
        var model = new Mlp(2, 4, 2, seed: 1);
        var sgd = new Sgd(model.Parameters(), lr: 0.1);
        sgd.ParamGroups[0]["max_norm"] = double.PositiveInfinity;
        sgd.ParamGroups[0]["note"] = "warm-up";
        var state = sgd.ToCheckpointState();
        var restored = new Sgd(model.Parameters(), lr: 1);
        restored.LoadCheckpointState(state);
        Assert.Equal(double.PositiveInfinity, restored.ParamGroups[0].GetDouble("max_norm"));
        Assert.Equal("warm-up", restored.ParamGroups[0]["note"]);
        Assert.Equal(0.1, restored.ParamGroups[0].LearningRate);
    }

    [Fact]
    public void LoadingIntoAnotherArchitectureSaysWhatDiffers()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        model.Save(PathOf("m.safetensors"));

        var wider = new Mlp(2, 9, 2, seed: 1);
        var before = Snapshot(wider);
        var error = Assert.Throws<CheckpointException>(() => wider.Load(PathOf("m.safetensors")));
        Assert.Contains("size mismatch for fc1.weight: copying a param with shape [8, 2] from checkpoint, the shape in current model is [9, 2]", error.Message);
        Assert.Contains("size mismatch for fc2.weight", error.Message);
        Assert.Equal(before, Snapshot(wider));

        var doubles = new Float64Mlp();
        var dtype = Assert.Throws<CheckpointException>(() => doubles.Load(PathOf("m.safetensors")));
        Assert.Contains("dtype mismatch for fc1.weight: copying a param of dtype float32 from checkpoint, the dtype in current model is float64", dtype.Message);

        var renamedError = Assert.Throws<CheckpointException>(() => new Renamed().Load(PathOf("m.safetensors")));
        var renamed = Assert.IsType<StateDictMismatchException>(renamedError.InnerException);
        Assert.Equal(["first.weight", "first.bias"], renamed.MissingKeys);
        Assert.Equal(["fc1.bias", "fc1.weight"], renamed.UnexpectedKeys.Order());
        Assert.Matches("Unexpected key\\(s\\) in state_dict of Renamed: .*\"fc1.weight\"", renamedError.Message);
        Assert.Equal(2, renamedError.Problems.Count);
    }

    private sealed class Float64Mlp : Module
    {
        public Linear Fc1 = new(2, 8, dtype: DType.Float64);
        public Linear Fc2 = new(8, 2, dtype: DType.Float64);
    }

    private sealed class Renamed : Module
    {
        public Linear First = new(2, 8);
        public Linear Fc2 = new(8, 2);
    }

    [Fact]
    public void OptimizerMismatchesLeaveModelAndOptimizerUntouched()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        var adam = new Adam(model.Parameters(), lr: 0.01);
        Steps(model, adam, Batches().Take(2));
        model.Save(PathOf("adam.safetensors"), adam);
        model.Save(PathOf("weights-only.safetensors"));

        var target = new Mlp(2, 8, 2, seed: 7);
        var before = Snapshot(target);
        var sgd = new Sgd(target.Parameters(), lr: 0.1);
        var wrongType = Assert.Throws<CheckpointException>(() => target.Load(PathOf("adam.safetensors"), sgd));
        Assert.Contains("the saved optimiser state is from Adam, but the optimiser given is Sgd", wrongType.Message);
        Assert.Equal(before, Snapshot(target));
        Assert.Equal(0.1, sgd.ParamGroups[0].LearningRate);

        var partial = new Adam(target.Fc1.Parameters(), lr: 0.1);
        var wrongSize = Assert.Throws<CheckpointException>(() => target.Load(PathOf("adam.safetensors"), partial));
        Assert.Contains("parameter group 0 has 4 parameters in the saved optimiser state, 2 in the Adam given", wrongSize.Message);
        Assert.Equal(before, Snapshot(target));

        var none = Assert.Throws<CheckpointException>(() => target.Load(PathOf("weights-only.safetensors"), new Adam(target.Parameters())));
        Assert.Contains("holds no optimiser state", none.Message);
        Assert.Equal(before, Snapshot(target));

        target.Load(PathOf("weights-only.safetensors"));
        Assert.Equal(Snapshot(model), Snapshot(target));
    }
}
