using Avalon.Nn;

namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>The registry lists every public concrete module type of the library, and its entries are well formed.</summary>
public sealed class RegistryCompletenessTests
{
    [Fact]
    public void EveryPublicConcreteModuleTypeIsRegistered()
    {
        var moduleTypes = typeof(Module).Assembly.GetExportedTypes()
            .Where(t => t.IsClass && !t.IsAbstract && typeof(Module).IsAssignableFrom(t))
            .ToList();
        Assert.NotEmpty(moduleTypes);
        var registered = ModuleRegistry.Entries.Values.Select(e => e.Type).ToHashSet();
        var missing = moduleTypes.Where(t => !registered.Contains(t)).Select(t => t.FullName).Order().ToList();
        Assert.True(missing.Count == 0,
            $"Module types without an entry in ModuleRegistry (add a factory and sample inputs): {string.Join(", ", missing)}");
    }

    [Fact]
    public void EveryEntryBuildsItsTypeAndHasSamples()
    {
        foreach (var entry in ModuleRegistry.Entries.Values)
        {
            Assert.True(entry.Samples.Count > 0, $"{entry.Name}: no sample inputs");
            var module = entry.Create(new Generator(RegistryTestUtil.ModelSeed));
            Assert.True(module.GetType() == entry.Type, $"{entry.Name}: builds {module.GetType().Name}, registered as {entry.Type.Name}");
        }
    }

    [Fact]
    public void EntriesOfTypesThatTakeAGeneratorPassIt()
    {
        foreach (var entry in ModuleRegistry.Entries.Values)
        {
            bool takesGenerator = entry.Type.GetConstructors()
                .Any(c => c.GetParameters().Any(p => p.ParameterType == typeof(Generator)));
            if (takesGenerator)
                Assert.True(entry.UsesGenerator, $"{entry.Name}: {entry.Type.Name}'s constructor takes a Generator; register it with ModuleEntry.Seeded and pass it.");
        }
    }

    [Fact]
    public void PyTorchReprsBelongToRegisteredEntries()
    {
        var stale = TorchReprs.ByEntry.Keys.Where(k => !ModuleRegistry.Entries.ContainsKey(k)).ToList();
        Assert.True(stale.Count == 0, $"TorchReprs has records for entries that are not registered: {string.Join(", ", stale)}");
    }

    [Fact]
    public void NotApplicableMarksCarryAReason()
    {
        foreach (var entry in ModuleRegistry.Entries.Values)
            foreach (var check in Enum.GetValues<ModuleCheck>())
                if (entry.NotApplicableReason(check) is { } reason)
                    Assert.False(string.IsNullOrWhiteSpace(reason), $"{entry.Name}: {check} is marked not applicable without a reason");
    }
}
