using Avalon.Autodiff;
using Avalon.Nn;
using Avalon.Onnx.Export;
using Avalon.Tests.Nn.ModuleRegistry;

namespace Avalon.Onnx.Tests.Export;

/// <summary>
/// Every entry and sample of the module registry (the modules of Avalon.Tests' generic module tests) is
/// exported in eval mode, run in ONNX Runtime and loaded back with <see cref="OnnxModule"/>; both must give
/// Avalon's eager outputs within 1e-4.
/// </summary>
public class RegistryExportTests
{
    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var (name, entry) in ModuleRegistry.Entries)
            for (int s = 0; s < entry.Samples.Count; s++) data.Add(name, s);
        return data;
    }

    /// <summary>The module (its running statistics moved by one training forward), its eval forward and the sample's inputs.</summary>
    internal static (Module Module, Func<Tensor[], Tensor[]> Forward, Tensor[] Inputs) Build(string name, int sample)
    {
        var entry = ModuleRegistry.Entries[name];
        var module = entry.Create(new Generator(42));
        Func<Tensor[], Tensor[]> forward = entry.CallMany is { } many ? x => many(module, x) : x => [entry.Call(module, x)];
        var inputs = entry.Samples[sample].CreateInputs(new Generator(7), DType.Float32);
        using (new NoGrad()) forward(inputs);
        module.Eval();
        return (module, forward, inputs);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ExportRunsInOnnxRuntimeAndLoadsBackWithAvalonsOutputs(string name, int sample)
    {
        var (module, forward, inputs) = Build(name, sample);
        Tensor[] expected;
        using (new NoGrad()) expected = forward(inputs);
        var bytes = OnnxExport.ToBytes(module, forward, inputs);
        Assert.True(module.Modules().All(m => !m.Training), "the export changed the module's mode");

        var ort = OrtRunner.Run(bytes, inputs);
        Assert.Equal(expected.Length, ort.Length);
        for (int k = 0; k < expected.Length; k++) OrtRunner.AssertClose(expected[k], ort[k], $"{name} #{sample} ONNX Runtime output {k}");

        var loaded = OnnxModule.Load(bytes);
        loaded.Eval();
        var back = loaded.Forward(inputs);
        Assert.Equal(expected.Length, back.Length);
        for (int k = 0; k < expected.Length; k++) OrtRunner.AssertClose(expected[k], back[k], $"{name} #{sample} reloaded output {k}");
    }
}
