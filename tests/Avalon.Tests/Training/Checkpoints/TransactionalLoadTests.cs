using System.Text.Json.Nodes;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Optim.Schedulers;
using Avalon.Training.Checkpoints;
using static Avalon.Tests.Training.TrainingTestSupport;

namespace Avalon.Tests.Training.Checkpoints;

/// <summary>
/// Damaged checkpoints are rejected by <c>model.Load</c> itself, with one <see cref="CheckpointException"/>
/// listing the problems, and leave the model, the optimiser and the scheduler exactly as they were.
/// </summary>
public sealed class TransactionalLoadTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("avalon-txload-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathOf(string name) => Path.Combine(_folder, name);

    internal static void Steps(Module model, Optimizer optimizer, int count, ulong seed = 5)
    {
        foreach (var b in new DataLoader(Blobs(16 * count, seed), batchSize: 16))
        {
            optimizer.ZeroGrad(setToNone: true);
            CrossEntropy(model.Forward(b.Input), b.Target).Backward();
            optimizer.Step();
        }
    }

    /// <summary>A version 2 checkpoint of an Mlp trained two steps with Adam (amsgrad) and a StepLR.</summary>
    private string Saved()
    {
        var model = new Mlp(2, 4, 2, seed: 1);
        var adam = new Adam(model.Parameters(), lr: 0.01, amsgrad: true);
        var scheduler = new StepLR(adam, stepSize: 2, gamma: 0.5);
        Steps(model, adam, 2);
        scheduler.Step();
        string path = PathOf("good.safetensors");
        model.Save(path, adam, epoch: 1, scheduler: scheduler);
        return path;
    }

    public static TheoryData<string> Damages() =>
    [
        "lr is a string", "betas is a number", "amsgrad missing", "lr missing", "state tensor of another shape",
        "state tensor missing", "state object missing", "state tensor int32", "step is a list", "step is a string",
        "unknown state entry", "negative step", "params index twice", "scheduler step_size zero", "scheduler of another type",
    ];

    private static void Damage(string damage, JsonObject document, Dictionary<string, Tensor> tensors)
    {
        var group = document["optimizer"]!["param_groups"]![0]!.AsObject();
        var state = document["optimizer"]!["state"]?.AsObject();
        switch (damage)
        {
            case "lr is a string": group["lr"] = "3"; break;
            case "betas is a number": group["betas"] = 0.9; break;
            case "amsgrad missing": group.Remove("amsgrad"); break;
            case "lr missing": group.Remove("lr"); break;
            case "state tensor of another shape": tensors["optimizer.state.0.exp_avg"] = Tensor.Zeros(20, 1, 5, 5, 1); break;
            case "state tensor missing": tensors.Remove("optimizer.state.1.exp_avg"); break;
            case "state object missing": document["optimizer"]!.AsObject().Remove("state"); break;
            case "state tensor int32": tensors["optimizer.state.2.exp_avg_sq"] = Tensor.Zeros([2, 4], DType.Int32); break;
            case "step is a list": state!["0"]!["step"] = new JsonArray(1.0); break;
            case "step is a string": state!["3"]!["step"] = "x"; break;
            case "unknown state entry": tensors["optimizer.state.0.velocity"] = Tensor.Zeros(4, 2); break;
            case "negative step": state!["1"]!["step"] = -1.0; break;
            case "params index twice": group["params"] = new JsonArray(0, 1, 1, 3); break;
            case "scheduler step_size zero": document["scheduler"]!["state"]!["step_size"] = 0; break;
            case "scheduler of another type": document["scheduler"]!["type"] = "ExponentialLR"; break;
            default: throw new ArgumentOutOfRangeException(nameof(damage));
        }
    }

    [Theory]
    [MemberData(nameof(Damages))]
    public void DamageIsRejectedAtLoadAndChangesNothing(string damage)
    {
        string damaged = PathOf("damaged.safetensors");
        CheckpointFiles.Rewrite(Saved(), damaged, (document, tensors) => Damage(damage, document, tensors));

        var model = new Mlp(2, 4, 2, seed: 9);
        var adam = new Adam(model.Parameters(), lr: 0.2, amsgrad: true);
        var scheduler = new StepLR(adam, stepSize: 3, gamma: 0.1);
        Steps(model, adam, 1, seed: 8);
        var weights = Snapshot(model);
        string optimizer = CheckpointFiles.Fingerprint(adam);
        var schedulerState = scheduler.StateDict();

        var error = Assert.Throws<CheckpointException>(() => model.Load(damaged, adam, scheduler: scheduler));

        Assert.NotEmpty(error.Problems);
        Assert.Contains("nothing was changed", error.Message);
        Assert.Equal(weights, Snapshot(model));
        Assert.Equal(optimizer, CheckpointFiles.Fingerprint(adam));
        Assert.Equal(schedulerState, scheduler.StateDict());
        Steps(model, adam, 1);   // the optimiser still works
    }

    [Fact]
    public void EveryProblemIsListed()
    {
        string damaged = PathOf("damaged.safetensors");
        CheckpointFiles.Rewrite(Saved(), damaged, (document, tensors) =>
        {
            var group = document["optimizer"]!["param_groups"]![0]!.AsObject();
            group["lr"] = "3";
            group["betas"] = 0.9;
            group.Remove("amsgrad");
            tensors["fc1.weight"] = Tensor.Zeros(3, 2);
        });
        var model = new Mlp(2, 4, 2, seed: 9);
        var error = Assert.Throws<CheckpointException>(() => model.Load(damaged, new Adam(model.Parameters(), amsgrad: true)));
        Assert.Equal(4, error.Problems.Count);
        Assert.Contains(error.Problems, p => p.Contains("size mismatch for fc1.weight"));
        Assert.Contains(error.Problems, p => p.Contains("hyperparameter 'lr' is 3 (a string), expected a number"));
        Assert.Contains(error.Problems, p => p.Contains("hyperparameter 'betas' is 0.9 (a number), expected a list of 2 numbers"));
        Assert.Contains(error.Problems, p => p.Contains("no hyperparameter 'amsgrad'"));
        foreach (var problem in error.Problems) Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void StateTensorProblemsNameTheEntryAndTheShapes()
    {
        string damaged = PathOf("damaged.safetensors");
        CheckpointFiles.Rewrite(Saved(), damaged, (_, tensors) =>
        {
            tensors["optimizer.state.0.exp_avg"] = Tensor.Zeros(20, 1, 5, 5, 1);
            tensors.Remove("optimizer.state.1.exp_avg");
            tensors["optimizer.state.2.exp_avg_sq"] = Tensor.Zeros([2, 4], DType.Int32);
        });
        var model = new Mlp(2, 4, 2, seed: 9);
        var error = Assert.Throws<CheckpointException>(() => model.Load(damaged, new Adam(model.Parameters(), amsgrad: true)));
        Assert.Contains(error.Problems, p => p.Contains("state 'exp_avg' of parameter 0 has shape [20, 1, 5, 5, 1] but its parameter has shape [4, 2]"));
        Assert.Contains(error.Problems, p => p.Contains("state of parameter 1 (shape [4]) has no 'exp_avg'"));
        Assert.Contains(error.Problems, p => p.Contains("state 'exp_avg_sq' of parameter 2 is a int32 tensor, expected a floating-point tensor"));
    }
}
