using Avalon.Nn;
using static Avalon.Tests.Nn.ModuleRegistry.RegistryTestUtil;

namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>Tests that seed <see cref="Generator.Default"/> run alone, so that no other test draws from it in between.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DefaultGeneratorCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Default generator";
}

/// <summary>The same seed builds the same module (and draws the same dropout masks), for every registered module.</summary>
[Collection(DefaultGeneratorCollection.Name)]
public sealed class RegistryDeterminismTests
{
    public static TheoryData<string> Entries() => ModuleRegistry.Names();

    [Theory]
    [MemberData(nameof(Entries))]
    public void TheSameGeneratorSeedBuildsTheSameModule(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.Determinism) || !entry.UsesGenerator) return;
        var a = entry.Create(new Generator(5));
        var b = entry.Create(new Generator(5));
        var c = entry.Create(new Generator(6));
        AssertSameState(a, b, name + " (same seed)");
        if (a.ParameterCount > 0)
            Assert.True(StateDiffers(a, c), $"{name}: seeds 5 and 6 built identical parameters, so the generator is not used");
        if (entry.RandomInTraining)
        {
            AssertIdentical(TrainingOutput(entry, a), TrainingOutput(entry, b), name + " masks (same seed)");
            Assert.NotEqual(TrainingOutput(entry, a).ToDoubleArray(), TrainingOutput(entry, c).ToDoubleArray());
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void ManualSeedOfTheDefaultGeneratorBuildsTheSameModule(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.Determinism)) return;
        var (a, ya) = BuildAfterManualSeed(entry, 5);
        var (b, yb) = BuildAfterManualSeed(entry, 5);
        AssertSameState(a, b, name + " (same default seed)");
        AssertIdentical(ya, yb, name + " training output (same default seed)");
        if (entry.UsesGenerator && (a.ParameterCount > 0 || entry.RandomInTraining))
        {
            var (c, yc) = BuildAfterManualSeed(entry, 6);
            Assert.True(StateDiffers(a, c) || !ya.ToDoubleArray().SequenceEqual(yc.ToDoubleArray()),
                $"{name}: default seeds 5 and 6 gave the same module and output, so the default generator is not used");
        }
    }

    private static (Module Module, Tensor TrainingOutput) BuildAfterManualSeed(ModuleEntry entry, ulong seed)
    {
        Generator.ManualSeed(seed);
        var module = entry.Create(null);
        return (module, TrainingOutput(entry, module));
    }

    /// <summary>The first sample's output in training mode, drawing masks from the module's own generator (not reseeded).</summary>
    private static Tensor TrainingOutput(ModuleEntry entry, Module module) =>
        entry.Call(module.Train(), Inputs(entry.Samples[0], 0, DType.Float32));
}
