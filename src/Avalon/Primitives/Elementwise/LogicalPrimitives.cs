namespace Avalon.Primitives.Elementwise;

/// <summary>Logical operations on bool tensors (broadcasting); none carries a gradient.</summary>
[PrimitiveSet]
internal static class LogicalPrimitives
{
    public static readonly Primitive And = new BinaryPrimitive("logical_and", null, DType.Bool, boolOnly: true);
    public static readonly Primitive Or = new BinaryPrimitive("logical_or", null, DType.Bool, boolOnly: true);
    public static readonly Primitive Xor = new BinaryPrimitive("logical_xor", null, DType.Bool, boolOnly: true);
    public static readonly Primitive Not = new UnaryPrimitive("logical_not", null, floatOnly: false, outputDType: DType.Bool, boolOnly: true);
}
