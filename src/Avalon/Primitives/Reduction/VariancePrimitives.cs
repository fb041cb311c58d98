namespace Avalon.Primitives.Reduction;

/// <summary>
/// Variance and standard deviation over dims with Bessel's correction (attribute <c>correction</c>:
/// 1 is PyTorch's default <c>unbiased=True</c>, 0 the population statistic). With d = max(0, N − correction):
/// ∂var/∂x = 2 (x − mean) / d and ∂std/∂x = (x − mean) / (d · std), taken as 0 where std is 0.
/// </summary>
[PrimitiveSet]
internal static class VariancePrimitives
{
    private static readonly AttributeSchema s_schema = AttributeSchema.Of(
        AttributeSpec.Required("dims", AttributeType.Ints),
        AttributeSpec.WithDefault("keepdim", AttributeType.Bool, false),
        AttributeSpec.WithDefault("correction", AttributeType.Int, 1));

    public static readonly Primitive Var = new ReductionPrimitive("var", VarRule, inputs: ReductionInputs.FloatingPoint, schema: s_schema);

    public static readonly Primitive Std = new ReductionPrimitive("std", StdRule, inputs: ReductionInputs.FloatingPoint, schema: s_schema);

    /// <summary>Calls var or std with normalised, sorted dims.</summary>
    public static Tensor Invoke(Primitive p, Tensor x, int[] dims, int correction, bool keepDim) =>
        p.Invoke(Attributes.Of(("dims", dims), ("keepdim", keepDim), ("correction", correction)), x);

    private static double Divisor(GradContext c) => Math.Max(0, ReductionPrimitive.GroupSize(c) - c.Attributes.Int("correction"));

    private static Tensor Deviation(GradContext c) => c.Inputs[0] - c.Inputs[0].Mean(c.Attributes.Ints("dims"), keepDim: true);

    private static Tensor VarRule(GradContext c) =>
        ReductionPrimitive.KeepDims(c.GradOutput, c) * Deviation(c) * (2.0 / Divisor(c));

    private static Tensor StdRule(GradContext c)
    {
        var std = ReductionPrimitive.KeepDims(c.Output, c);
        // Where std is 0 every deviation is 0 too: divide by 1 there so the gradient is 0, not NaN.
        var safe = std * Divisor(c) + EqualMaskPrimitives.Of(std, Tensor.Scalar(0, std.DType, std.Device), std.DType);
        return ReductionPrimitive.KeepDims(c.GradOutput, c) * Deviation(c) / safe;
    }
}
