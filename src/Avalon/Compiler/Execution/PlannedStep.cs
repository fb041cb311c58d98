using Avalon.Primitives;

namespace Avalon.Compiler.Execution;

/// <summary>One step of a planned run: everything it touches was built when the plan was prepared, so running it allocates nothing.</summary>
internal abstract class PlannedStep
{
    public abstract void Execute();

    /// <summary>What the step does, for diagnostics (the call it runs).</summary>
    public string Description { get; init; } = "";

    /// <summary>The kind of work, for profiles: the primitive's name, <c>copy</c> or <c>seed</c>.</summary>
    public abstract string Operation { get; }
}

/// <summary>A kernel call into given output buffers.</summary>
internal sealed class KernelStep(Kernel kernel, Tensor[] inputs, Attributes attributes, Tensor[] outputs, string operation) : PlannedStep
{
    public override void Execute() => kernel(inputs, attributes, outputs);

    public override string Operation => operation;
}

/// <summary>A layout copy (an input into its slot, a reshape that cannot be a view, an in-place result into its target).</summary>
internal sealed class CopyStep(Tensor source, Tensor destination) : PlannedStep
{
    public override void Execute() => source.Storage.Backend.Copy(source, destination);

    public override string Operation => "copy";
}

/// <summary>A fresh seed from a generator into a tensor the plan holds.</summary>
internal sealed class SeedStep(Generator generator, Tensor seed) : PlannedStep
{
    public override void Execute() => generator.NextSeedInto(seed);

    public override string Operation => "seed";
}
