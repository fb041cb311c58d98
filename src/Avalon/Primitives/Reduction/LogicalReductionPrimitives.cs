namespace Avalon.Primitives.Reduction;

/// <summary>all / any (bool results) and count_nonzero (int64) over dims, for every dtype; not differentiable.</summary>
[PrimitiveSet]
internal static class LogicalReductionPrimitives
{
    public static readonly Primitive All = new ReductionPrimitive("all", null, DType.Bool);

    public static readonly Primitive Any = new ReductionPrimitive("any", null, DType.Bool);

    public static readonly Primitive CountNonzero = new ReductionPrimitive("count_nonzero", null, DType.Int64);
}
