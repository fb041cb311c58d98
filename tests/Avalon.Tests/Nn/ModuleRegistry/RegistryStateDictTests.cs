using Avalon.Nn;
using Avalon.Training.Checkpoints;
using static Avalon.Tests.Nn.ModuleRegistry.RegistryTestUtil;

namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>State dicts and checkpoint files carry a module's whole state, for every registered module.</summary>
public sealed class RegistryStateDictTests
{
    public static TheoryData<string> Entries() => ModuleRegistry.Names();

    [Theory]
    [MemberData(nameof(Entries))]
    public void LoadStateDictIntoAFreshInstanceGivesIdenticalOutputs(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.StateDict)) return;
        var source = entry.Create(new Generator(ModelSeed));
        Perturb(source, 7);
        var fresh = entry.Create(new Generator(ModelSeed + 1));
        if (source.StateDict().Count > 0) Assert.True(StateDiffers(source, fresh), $"{name}: a fresh instance already has the perturbed state");

        var result = fresh.LoadStateDict(source.StateDict());
        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        AssertSameState(source, fresh, name);
        AssertSameOutputs(entry, source, fresh, DType.Float32);
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void SaveAndLoadThroughACheckpointFileGivesIdenticalOutputs(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.StateDict)) return;
        string dir = Directory.CreateTempSubdirectory("avalon-registry-").FullName;
        try
        {
            foreach (var dtype in (DType[])[DType.Float32, DType.Float64])
            {
                var source = entry.Create(new Generator(ModelSeed)).To(dtype);
                Perturb(source, 8);
                string path = Path.Combine(dir, $"model-{dtype.Name()}.safetensors");
                source.Save(path, epoch: 3);

                var loaded = entry.Create(new Generator(ModelSeed + 2)).To(dtype);
                var checkpoint = loaded.Load(path);
                Assert.Equal(3, checkpoint.Epoch);
                AssertSameState(source, loaded, $"{name} ({dtype.Name()})");
                AssertSameOutputs(entry, source, loaded, dtype);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void AssertSameOutputs(ModuleEntry entry, Module expected, Module actual, DType dtype)
    {
        expected.Eval();
        actual.Eval();
        for (int s = 0; s < entry.Samples.Count; s++)
        {
            var inputs = Inputs(entry.Samples[s], s, dtype);
            AssertIdentical(entry.Run(expected, inputs), entry.Run(actual, inputs), $"{entry.Name} sample {s} output");
        }
    }
}
