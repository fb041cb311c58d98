namespace Avalon.Tests.Backends.Cpu.Elementwise;

/// <summary>
/// Tests that change the process-wide <see cref="Avalon.Threads.Count"/> run alone, so that no other
/// test observes the change mid-way.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ThreadCountCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Thread count";
}
