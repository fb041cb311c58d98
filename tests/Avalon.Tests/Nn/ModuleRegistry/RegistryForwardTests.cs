using Avalon.Nn;
using static Avalon.Tests.Nn.ModuleRegistry.RegistryTestUtil;

namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>Forward in float32 and float64 with the documented output shape, and the PyTorch-style repr, for every registered module.</summary>
public sealed class RegistryForwardTests
{
    public static TheoryData<string> Entries() => ModuleRegistry.Names();

    [Theory]
    [MemberData(nameof(Entries))]
    public void ForwardGivesTheDocumentedShapeInFloat32AndFloat64(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.Forward)) return;
        var m32 = entry.Create(new Generator(ModelSeed));
        var m64 = entry.Create(new Generator(ModelSeed)).To(DType.Float64);
        foreach (var (key, t) in m32.StateDict())
            if (t.DType.IsFloatingPoint()) Assert.True(t.DType == DType.Float32, $"{name}: {key} is {t.DType.Name()} after construction, expected float32");
        foreach (var (key, t) in m64.StateDict())
            if (t.DType.IsFloatingPoint()) Assert.True(t.DType == DType.Float64, $"{name}: {key} is {t.DType.Name()} after To(Float64)");
        foreach (var (key, p) in m64.NamedParameters())
            Assert.True(p.RequiresGrad, $"{name}: parameter {key} lost RequiresGrad in To(Float64)");

        for (int s = 0; s < entry.Samples.Count; s++)
        {
            var sample = entry.Samples[s];
            foreach (bool training in (bool[])[true, false])
            {
                m32.Train(training);
                m64.Train(training);
                string what = $"{name} sample {s} {sample} ({(training ? "train" : "eval")})";
                var y32 = entry.Run(m32, Inputs(sample, s, DType.Float32));
                var y64 = entry.Run(m64, Inputs(sample, s, DType.Float64));
                AssertOutput(y32, DType.Float32, sample, what + " float32");
                AssertOutput(y64, DType.Float64, sample, what + " float64");
                AssertClose(y64, y32, what + ": float32 against float64", 1e-4, 1e-5);
                if (sample.OutputShapes is { } shapes)
                {
                    var outputs = entry.RunMany(m64, Inputs(sample, s, DType.Float64));
                    Assert.True(outputs.Length == shapes.Length, $"{what}: {outputs.Length} outputs, documented {shapes.Length}");
                    for (int k = 0; k < shapes.Length; k++)
                        AssertOutput(outputs[k], DType.Float64, new ModuleSample(shapes[k], sample.Inputs), $"{what} output {k}");
                }
            }
        }
    }

    private static void AssertOutput(Tensor y, DType dtype, ModuleSample sample, string what)
    {
        Assert.True(y.Shape == new Shape(sample.OutputShape), $"{what}: output shape {y.Shape}, documented [{string.Join(", ", sample.OutputShape)}]");
        Assert.True(y.DType == dtype, $"{what}: output dtype {y.DType.Name()}, expected {dtype.Name()}");
        var values = y.ToDoubleArray();
        for (int i = 0; i < values.Length; i++) Assert.True(double.IsFinite(values[i]), $"{what}: output[{i}] = {values[i]}");
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void ToStringStartsWithThePyTorchTypeName(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.Repr)) return;
        var module = entry.Create(new Generator(ModelSeed));
        string repr = module.ToString();
        Assert.StartsWith(entry.TorchName + "(", repr, StringComparison.Ordinal);
        Assert.EndsWith(")", repr, StringComparison.Ordinal);
        foreach (var noise in (string[])["Avalon.", "System.", "`", "Tensor(", "Generator"])
            Assert.False(repr.Contains(noise, StringComparison.Ordinal), $"{name}: ToString() contains '{noise}': {repr}");
        Assert.Equal(repr, module.To(DType.Float64).ToString());
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void ToStringEqualsPyTorchsRepr(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.Repr)) return;
        Assert.True(TorchReprs.ByEntry.TryGetValue(name, out var torch), $"{name}: no PyTorch repr recorded in TorchReprs");
        Assert.Equal(torch.Repr, entry.Create(new Generator(ModelSeed)).ToString());
    }
}
