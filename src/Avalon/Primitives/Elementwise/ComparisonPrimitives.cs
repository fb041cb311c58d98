namespace Avalon.Primitives.Elementwise;

/// <summary>Comparisons (bool results, broadcasting) and float classification tests; none carries a gradient.</summary>
[PrimitiveSet]
internal static class ComparisonPrimitives
{
    public static readonly Primitive Eq = new BinaryPrimitive("eq", null, DType.Bool);
    public static readonly Primitive Ne = new BinaryPrimitive("ne", null, DType.Bool);
    public static readonly Primitive Lt = new BinaryPrimitive("lt", null, DType.Bool);
    public static readonly Primitive Le = new BinaryPrimitive("le", null, DType.Bool);
    public static readonly Primitive Gt = new BinaryPrimitive("gt", null, DType.Bool);
    public static readonly Primitive Ge = new BinaryPrimitive("ge", null, DType.Bool);

    public static readonly Primitive IsNan = new UnaryPrimitive("isnan", null, floatOnly: false, outputDType: DType.Bool);
    public static readonly Primitive IsInf = new UnaryPrimitive("isinf", null, floatOnly: false, outputDType: DType.Bool);
    public static readonly Primitive IsFinite = new UnaryPrimitive("isfinite", null, floatOnly: false, outputDType: DType.Bool);
}
