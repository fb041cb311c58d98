using Avalon.Nn;
using static Avalon.Tests.Nn.ModuleRegistry.RegistryTestUtil;

namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>Training/evaluation mode, ZeroGrad and freezing, for every registered module.</summary>
public sealed class RegistryModeTests
{
    public static TheoryData<string> Entries() => ModuleRegistry.Names();

    [Theory]
    [MemberData(nameof(Entries))]
    public void TrainAndEvalReachEverySubmodule(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.Modes)) return;
        var model = entry.Create(new Generator(ModelSeed));
        Assert.All(model.Modules(), m => Assert.True(m.Training, $"{name}: {m.GetType().Name} does not start in training mode"));
        Assert.Same(model, model.Eval());
        Assert.All(model.Modules(), m => Assert.False(m.Training, $"{name}: {m.GetType().Name} stayed in training mode after Eval()"));
        Assert.Same(model, model.Train());
        Assert.All(model.Modules(), m => Assert.True(m.Training, $"{name}: {m.GetType().Name} stayed in evaluation mode after Train()"));
        model.Train(false);
        Assert.All(model.Modules(), m => Assert.False(m.Training, $"{name}: {m.GetType().Name} ignored Train(false)"));
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void ZeroGradClearsEveryGradient(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.Modes)) return;
        var model = entry.Create(new Generator(ModelSeed));
        var parameters = model.NamedParameters().ToList();
        if (parameters.Count == 0)
        {
            Assert.Equal(0, model.ParameterCount);
            return;
        }
        var sample = entry.Samples[0];
        WeightedSum(entry, model, Inputs(sample, 0, DType.Float32), OutputWeights(sample, DType.Float32)).Backward();
        foreach (var (key, p) in parameters) Assert.True(p.Grad is not null, $"{name}: Backward left no gradient on {key}");

        model.ZeroGrad(setToNone: false);
        foreach (var (key, p) in parameters)
        {
            Assert.True(p.Grad is not null, $"{name}: ZeroGrad(setToNone: false) removed the gradient of {key}");
            Assert.All(p.Grad!.ToDoubleArray(), v => Assert.True(v == 0, $"{name}: {key}.Grad holds {v} after ZeroGrad(setToNone: false)"));
        }
        model.ZeroGrad();
        foreach (var (key, p) in parameters) Assert.True(p.Grad is null, $"{name}: ZeroGrad() left a gradient on {key}");
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void FrozenParametersGetNoGradient(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.Modes)) return;
        var sample = entry.Samples[0];
        var weights = OutputWeights(sample, DType.Float32);

        // One parameter frozen: it gets no gradient, the others do.
        var model = entry.Create(new Generator(ModelSeed));
        var parameters = model.NamedParameters().ToList();
        if (parameters.Count == 0) return;
        parameters[0].Value.RequiresGrad_(false);
        Assert.Equal(model.ParameterCount - parameters[0].Value.Numel, model.TrainableParameterCount);
        var inputs = WithRequiresGrad(sample, Inputs(sample, 0, DType.Float32));
        BackwardIfTracked(WeightedSum(entry, model, inputs, weights));
        Assert.True(parameters[0].Value.Grad is null, $"{name}: frozen {parameters[0].Key} got a gradient");
        foreach (var (key, p) in parameters.Skip(1)) Assert.True(p.Grad is not null, $"{name}: trainable {key} got no gradient");

        // The whole module frozen: no parameter gets a gradient, the inputs still do.
        model = entry.Create(new Generator(ModelSeed));
        Assert.Same(model, model.RequiresGrad_(false));
        Assert.Equal(0, model.TrainableParameterCount);
        inputs = WithRequiresGrad(sample, Inputs(sample, 0, DType.Float32));
        BackwardIfTracked(WeightedSum(entry, model, inputs, weights));
        foreach (var (key, p) in model.NamedParameters()) Assert.True(p.Grad is null, $"{name}: {key} got a gradient though the module is frozen");
        foreach (int i in DifferentiableInputs(sample)) Assert.True(inputs[i].Grad is not null, $"{name}: input {i} got no gradient through the frozen module");

        model.RequiresGrad_();
        Assert.Equal(model.ParameterCount, model.TrainableParameterCount);
    }

    /// <summary>Runs Backward when anything upstream still requires a gradient (a frozen module with integer inputs has nothing to differentiate).</summary>
    private static void BackwardIfTracked(Tensor loss)
    {
        if (loss.RequiresGrad) loss.Backward();
    }
}
