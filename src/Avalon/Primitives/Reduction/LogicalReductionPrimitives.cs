using Avalon.Backends.Cpu.Reduction;

namespace Avalon.Primitives.Reduction;

/// <summary>all / any (bool results) and count_nonzero (int64) over dims, for every dtype; not differentiable.</summary>
[PrimitiveSet]
internal static class LogicalReductionPrimitives
{
    public static readonly Primitive All = new ReductionPrimitive("all", LogicalReductionKernels.All, null, DType.Bool);

    public static readonly Primitive Any = new ReductionPrimitive("any", LogicalReductionKernels.Any, null, DType.Bool);

    public static readonly Primitive CountNonzero = new ReductionPrimitive("count_nonzero", LogicalReductionKernels.CountNonzero, null, DType.Int64);
}
