namespace Avalon.Primitives.Reduction;

/// <summary>logsumexp over dims, computed max-shifted; its rule is g · softmax = g · exp(x − y).</summary>
[PrimitiveSet]
internal static class LogSumExpPrimitives
{
    public static readonly Primitive LogSumExp = new ReductionPrimitive("logsumexp",
        c => ReductionPrimitive.KeepDims(c.GradOutput, c) * (c.Inputs[0] - ReductionPrimitive.KeepDims(c.Output, c)).Exp(),
        inputs: ReductionInputs.FloatingPoint);
}
