namespace Avalon.Primitives.Reduction;

/// <summary>
/// Maxima and minima: amax/amin over dims (the gradient is shared evenly among tied elements, like
/// PyTorch's amax), max_dim/min_dim (the values of max(dim); the gradient goes to the element that
/// argmax picks), and argmax/argmin (int64, first occurrence, not differentiable). None accepts an
/// empty group: there is no identity.
/// </summary>
[PrimitiveSet]
internal static class ExtremumPrimitives
{
    public static readonly Primitive ArgMax = new ReductionPrimitive("argmax", null, DType.Int64, allowEmpty: false, inputs: ReductionInputs.Numeric);

    public static readonly Primitive ArgMin = new ReductionPrimitive("argmin", null, DType.Int64, allowEmpty: false, inputs: ReductionInputs.Numeric);

    public static readonly Primitive Amax = new ReductionPrimitive("amax", EvenlyShared, allowEmpty: false, inputs: ReductionInputs.Numeric);

    public static readonly Primitive Amin = new ReductionPrimitive("amin", EvenlyShared, allowEmpty: false, inputs: ReductionInputs.Numeric);

    public static readonly Primitive MaxDim = new ReductionPrimitive("max_dim", c => ToSelected(c, ArgMax), allowEmpty: false, inputs: ReductionInputs.Numeric);

    public static readonly Primitive MinDim = new ReductionPrimitive("min_dim", c => ToSelected(c, ArgMin), allowEmpty: false, inputs: ReductionInputs.Numeric);

    /// <summary>Calls a reduction primitive of this family with normalised, sorted dims.</summary>
    public static Tensor Invoke(Primitive p, Tensor x, int[] dims, bool keepDim) =>
        p.Invoke(Attributes.Of(("dims", dims), ("keepdim", keepDim)), x);

    // g / (number of ties) at every element equal to the extremum, 0 elsewhere.
    private static Tensor EvenlyShared(GradContext c)
    {
        var x = c.Inputs[0];
        var mask = EqualMaskPrimitives.Of(x, ReductionPrimitive.KeepDims(c.Output, c), x.DType);
        var ties = mask.Sum(c.Attributes.Ints("dims"), keepDim: true);
        return ReductionPrimitive.KeepDims(c.GradOutput, c) * mask / ties;
    }

    // g at the element the matching arg-reduction selects (a one-hot mask along the dim), 0 elsewhere.
    private static Tensor ToSelected(GradContext c, Primitive argReduction)
    {
        var x = c.Inputs[0];
        var dims = c.Attributes.Ints("dims");
        if (x.Rank == 0) return c.GradOutput;
        int dim = dims[0];
        var index = Invoke(argReduction, x, dims, keepDim: true);
        var positionShape = new int[x.Rank];
        Array.Fill(positionShape, 1);
        positionShape[dim] = x.Shape[dim];
        var positions = Tensor.Arange(x.Shape[dim], DType.Int64).To(x.Device).Reshape(positionShape);
        var oneHot = EqualMaskPrimitives.Of(positions, index, x.DType);
        return ReductionPrimitive.KeepDims(c.GradOutput, c) * oneHot;
    }
}
