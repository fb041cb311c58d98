namespace Avalon.Primitives.Reduction;

/// <summary>
/// Product over dims. The rule is exact with zeros: with P = prod(x) and Z the mask of zeros,
/// ∂P/∂xᵢ = P / xᵢ where xᵢ ≠ 0, and, where xᵢ = 0, the product of the others when xᵢ is the group's only
/// zero (else 0). Both terms are written with prod itself, so the rule is differentiable again.
/// </summary>
[PrimitiveSet]
internal static class ProdPrimitives
{
    public static readonly Primitive Prod = new ReductionPrimitive("prod", Rule, inputs: ReductionInputs.Numeric);

    private static Tensor Rule(GradContext c)
    {
        var x = c.Inputs[0];
        var dims = c.Attributes.Ints("dims");
        var zero = EqualMaskPrimitives.Of(x, Tensor.Scalar(0, x.DType, x.Device), x.DType);
        var nonzero = 1.0 - zero;
        // 1 at zeros, x elsewhere; written so it does not depend on x at the zeros (else the second
        // derivative of the product of the others would pick up a spurious ∂/∂xᵢ).
        var safe = x * nonzero + zero;
        var nonzeroTerm = nonzero * ReductionPrimitive.KeepDims(c.Output, c) / safe;
        var onlyZero = EqualMaskPrimitives.Of(zero.Sum(dims, keepDim: true), Tensor.Scalar(1, x.DType, x.Device), x.DType);
        var othersOfZero = zero * onlyZero * Invoke(safe, dims, keepDim: true);
        return ReductionPrimitive.KeepDims(c.GradOutput, c) * (nonzeroTerm + othersOfZero);
    }

    /// <summary>prod over <paramref name="dims"/> (normalised, sorted).</summary>
    public static Tensor Invoke(Tensor x, int[] dims, bool keepDim) =>
        Prod.Invoke(Attributes.Of(("dims", dims), ("keepdim", keepDim)), x);
}
