using Avalon.Nn;

namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>Inputs, losses, state perturbation and comparisons shared by the registry-driven tests.</summary>
internal static class RegistryTestUtil
{
    /// <summary>The seed of the generator a module is built with.</summary>
    public const ulong ModelSeed = 1;

    /// <summary>The entry called <paramref name="name"/>.</summary>
    public static ModuleEntry Entry(string name) => ModuleRegistry.Entries[name];

    /// <summary>Whether <paramref name="check"/> applies to <paramref name="entry"/> (otherwise the registry says why not).</summary>
    public static bool Applies(ModuleEntry entry, ModuleCheck check) => entry.NotApplicableReason(check) is null;

    /// <summary>The inputs of sample <paramref name="index"/>, drawn from a seed that depends on the sample and <paramref name="variant"/>.</summary>
    public static Tensor[] Inputs(ModuleSample sample, int index, DType dtype, int variant = 0) =>
        sample.CreateInputs(new Generator((ulong)(100 + 10 * index + variant)), dtype);

    /// <summary>Fixed random weights of the output's shape, so that sum(output * weights) exercises every output element.</summary>
    public static Tensor OutputWeights(ModuleSample sample, DType dtype) =>
        InputSpec.Normal(sample.OutputShape).Create(new Generator(999), dtype);

    /// <summary>sum(module(inputs) * weights): a scalar that depends on every output element.</summary>
    public static Tensor WeightedSum(ModuleEntry entry, Module module, Tensor[] inputs, Tensor weights) =>
        (entry.Run(module, inputs) * weights).Sum();

    /// <summary>Copies of the inputs in which the differentiable ones require gradients (eager leaves).</summary>
    public static Tensor[] WithRequiresGrad(ModuleSample sample, Tensor[] inputs)
    {
        var result = (Tensor[])inputs.Clone();
        for (int i = 0; i < result.Length; i++)
            if (sample.Inputs[i].IsFloat && sample.Inputs[i].Differentiable) result[i] = inputs[i].Detach().Clone().RequiresGrad_();
        return result;
    }

    /// <summary>The positions of the inputs that are differentiated.</summary>
    public static int[] DifferentiableInputs(ModuleSample sample) =>
        Enumerable.Range(0, sample.Inputs.Length).Where(i => sample.Inputs[i].IsFloat && sample.Inputs[i].Differentiable).ToArray();

    /// <summary>
    /// Moves every parameter and buffer away from its initial value (floating point: + U(0.1, 0.5), which keeps
    /// variances and weights positive; integer: 7), so that a freshly built module surely differs from it.
    /// </summary>
    public static void Perturb(Module module, ulong seed)
    {
        var g = new Generator(seed);
        var state = new Dictionary<string, Tensor>();
        foreach (var (key, value) in module.StateDict())
        {
            state[key] = value.DType.IsFloatingPoint()
                ? value + InputSpec.Uniform(0.1, 0.5, value.Shape.ToArray()).Create(g, value.DType)
                : Tensor.Full(value.Shape.ToArray(), 7, value.DType);
        }
        module.LoadStateDict(state);
    }

    /// <summary>Asserts two tensors have the same shape, dtype and bit-identical values.</summary>
    public static void AssertIdentical(Tensor expected, Tensor actual, string what)
    {
        Assert.True(expected.Shape == actual.Shape, $"{what}: shape {actual.Shape}, expected {expected.Shape}");
        Assert.True(expected.DType == actual.DType, $"{what}: dtype {actual.DType.Name()}, expected {expected.DType.Name()}");
        var e = expected.ToDoubleArray();
        var a = actual.ToDoubleArray();
        for (int i = 0; i < e.Length; i++)
            Assert.True(e[i].Equals(a[i]), $"{what}[{i}]: got {a[i]:R}, expected {e[i]:R} (identical values expected)");
    }

    /// <summary>Asserts two tensors have the same shape and values within atol + rtol·|expected|.</summary>
    public static void AssertClose(Tensor expected, Tensor actual, string what, double rtol, double atol)
    {
        Assert.True(expected.Shape == actual.Shape, $"{what}: shape {actual.Shape}, expected {expected.Shape}");
        NnTestUtil.AssertClose(expected.ToDoubleArray(), actual.ToDoubleArray(), what, rtol, atol);
    }

    /// <summary>Asserts the state dicts hold the same keys in the same order with identical values.</summary>
    public static void AssertSameState(Module expected, Module actual, string what)
    {
        var e = expected.StateDict();
        var a = actual.StateDict();
        Assert.Equal(e.Keys.ToArray(), a.Keys.ToArray());
        foreach (var (key, value) in e) AssertIdentical(value, a[key], $"{what}: {key}");
    }

    /// <summary>Whether any state tensor of the two modules differs.</summary>
    public static bool StateDiffers(Module a, Module b)
    {
        var sa = a.StateDict();
        var sb = b.StateDict();
        foreach (var (key, value) in sa)
            if (!value.ToDoubleArray().AsSpan().SequenceEqual(sb[key].ToDoubleArray())) return true;
        return false;
    }
}
