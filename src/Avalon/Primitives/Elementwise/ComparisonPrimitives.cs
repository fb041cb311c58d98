using Avalon.Backends.Cpu.Elementwise;

namespace Avalon.Primitives.Elementwise;

/// <summary>Comparisons (bool results, broadcasting) and float classification tests; none carries a gradient.</summary>
[PrimitiveSet]
internal static class ComparisonPrimitives
{
    public static readonly Primitive Eq = new BinaryPrimitive("eq", ComparisonKernels.Eq, null, DType.Bool);
    public static readonly Primitive Ne = new BinaryPrimitive("ne", ComparisonKernels.Ne, null, DType.Bool);
    public static readonly Primitive Lt = new BinaryPrimitive("lt", ComparisonKernels.Lt, null, DType.Bool);
    public static readonly Primitive Le = new BinaryPrimitive("le", ComparisonKernels.Le, null, DType.Bool);
    public static readonly Primitive Gt = new BinaryPrimitive("gt", ComparisonKernels.Gt, null, DType.Bool);
    public static readonly Primitive Ge = new BinaryPrimitive("ge", ComparisonKernels.Ge, null, DType.Bool);

    public static readonly Primitive IsNan = new UnaryPrimitive("isnan", ComparisonKernels.IsNan, null, floatOnly: false, outputDType: DType.Bool);
    public static readonly Primitive IsInf = new UnaryPrimitive("isinf", ComparisonKernels.IsInf, null, floatOnly: false, outputDType: DType.Bool);
    public static readonly Primitive IsFinite = new UnaryPrimitive("isfinite", ComparisonKernels.IsFinite, null, floatOnly: false, outputDType: DType.Bool);
}
