namespace Avalon.Tests.Backends.Cpu.Memory;

/// <summary>
/// Tests that switch the process-wide poisoning of uninitialised arrays on and off run alone, so that
/// no other test observes the switch mid-way.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PoisonCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Uninitialized array poisoning";
}
