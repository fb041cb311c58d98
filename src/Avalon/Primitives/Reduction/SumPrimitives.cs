namespace Avalon.Primitives.Reduction;

/// <summary>Sum over dims; its rule broadcasts the gradient back over the reduced dims.</summary>
[PrimitiveSet]
internal static class SumPrimitives
{
    public static readonly Primitive Sum = new ReductionPrimitive("sum",
        c => ReductionPrimitive.KeepDims(c.GradOutput, c).Expand(c.Inputs[0].Shape.ToArray()));
}
