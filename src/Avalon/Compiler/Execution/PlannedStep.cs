using Avalon.Primitives;

namespace Avalon.Compiler.Execution;

/// <summary>One step of a planned run: everything it touches was built when the plan was prepared, so running it allocates nothing.</summary>
internal abstract class PlannedStep
{
    public abstract void Execute();

    /// <summary>What the step does, for diagnostics (the call it runs).</summary>
    public string Description { get; init; } = "";
}

/// <summary>A kernel call into given output buffers.</summary>
internal sealed class KernelStep(Kernel kernel, Tensor[] inputs, Attributes attributes, Tensor[] outputs) : PlannedStep
{
    public override void Execute() => kernel(inputs, attributes, outputs);
}

/// <summary>A layout copy (an input into its slot, a reshape that cannot be a view, an in-place result into its target).</summary>
internal sealed class CopyStep(Tensor source, Tensor destination) : PlannedStep
{
    public override void Execute() => source.Storage.Backend.Copy(source, destination);
}

/// <summary>A fresh seed from a generator into a tensor the plan holds.</summary>
internal sealed class SeedStep(Generator generator, Tensor seed) : PlannedStep
{
    public override void Execute() => generator.NextSeedInto(seed);
}
