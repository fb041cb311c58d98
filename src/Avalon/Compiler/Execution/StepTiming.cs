namespace Avalon.Compiler.Execution;

/// <summary>One planned step of a <see cref="CompiledTape.Profile(Tensor[], int)"/>: what it runs and its mean time per run.</summary>
/// <param name="Index">The step's position in the planned run.</param>
/// <param name="Operation">The primitive's name (a fused call's is <c>fused_elementwise</c> or the product's name with <c>_epilogue</c>), <c>copy</c> or <c>seed</c>.</param>
/// <param name="Description">The tape call it runs (empty for copies and seeds).</param>
/// <param name="MeanMilliseconds">Its mean wall time per run.</param>
public readonly record struct StepTiming(int Index, string Operation, string Description, double MeanMilliseconds);
