namespace Avalon.Primitives.Elementwise;

/// <summary>Powers, roots and transcendental functions, each with its derivative rule beside it.</summary>
[PrimitiveSet]
internal static class MathPrimitives
{
    /// <summary>x ** e for tensors, with PyTorch's masks: no gradient to x where e == 0, none to e where x == 0 and e ≥ 0.</summary>
    public static readonly Primitive Pow = new BinaryPrimitive("pow",
        c =>
        {
            var (x, e, g) = (c.Inputs[0], c.Inputs[1], c.GradOutput);
            var zero = Zero(g);
            return (
                c.NeedsInputGrad[0] ? Tensor.Where(e.Eq(0), zero, g * e * x.Pow(e - 1)) : null,
                c.NeedsInputGrad[1] ? Tensor.Where(x.Eq(0) & e.Ge(0), zero, g * c.Output * x.Log()) : null);
        },
        floatOnly: true, inputNames: ["input", "exponent"]);

    private static readonly AttributeSchema s_powScalarSchema = AttributeSchema.Of(AttributeSpec.Required("exponent", AttributeType.Double));

    /// <summary>x ** exponent for a constant exponent (attribute <c>exponent</c>).</summary>
    public static readonly Primitive PowScalar = new UnaryPrimitive("pow_scalar",
        c =>
        {
            double e = c.Attributes.Double("exponent");
            if (e == 0) return Tensor.ZerosLike(c.GradOutput);
            return e == 1 ? c.GradOutput : c.GradOutput * (e * c.Inputs[0].Pow(e - 1));
        },
        schema: s_powScalarSchema);

    public static readonly Primitive Log1p = new UnaryPrimitive("log1p", c => c.GradOutput / (c.Inputs[0] + 1));

    public static readonly Primitive Expm1 = new UnaryPrimitive("expm1", c => c.GradOutput * (c.Output + 1));

    public static readonly Primitive Sqrt = new UnaryPrimitive("sqrt", c => c.GradOutput / (2 * c.Output));

    /// <summary>1/sqrt(x); d/dx = -x^(-3/2)/2 = -rsqrt(x)³/2.</summary>
    public static readonly Primitive Rsqrt = new UnaryPrimitive("rsqrt", c => c.GradOutput * (-0.5 * c.Output.Pow(3)));

    public static readonly Primitive Abs = new UnaryPrimitive("abs", c => c.GradOutput * c.Inputs[0].Sign(), floatOnly: false);

    /// <summary>sign(x): piecewise constant, so its gradient is zero (as in PyTorch).</summary>
    public static readonly Primitive Sign = new UnaryPrimitive("sign", c => Tensor.ZerosLike(c.GradOutput), floatOnly: false);

    public static readonly Primitive Sin = new UnaryPrimitive("sin", c => c.GradOutput * c.Inputs[0].Cos());

    public static readonly Primitive Cos = new UnaryPrimitive("cos", c => -(c.GradOutput * c.Inputs[0].Sin()));

    public static readonly Primitive Tanh = new UnaryPrimitive("tanh", c => c.GradOutput * (1 - c.Output.Square()));

    public static readonly Primitive Sigmoid = new UnaryPrimitive("sigmoid", c => c.GradOutput * (c.Output * (1 - c.Output)));

    /// <summary>erf(x); d/dx = 2/√π · exp(-x²).</summary>
    public static readonly Primitive Erf = new UnaryPrimitive("erf",
        c => c.GradOutput * (2 / Math.Sqrt(Math.PI) * (-c.Inputs[0].Square()).Exp()));

    public static readonly Primitive Square = new UnaryPrimitive("square", c => c.GradOutput * (2 * c.Inputs[0]), floatOnly: false);

    public static readonly Primitive Reciprocal = new UnaryPrimitive("reciprocal", c => -(c.GradOutput * c.Output.Square()));

    /// <summary>max(x, 0); the gradient passes where x &gt; 0 (zero at 0, like PyTorch).</summary>
    public static readonly Primitive Relu = new UnaryPrimitive("relu",
        c => Tensor.Where(c.Output > 0, c.GradOutput, Zero(c.GradOutput)), floatOnly: false);

    /// <summary>A 0-dim zero of <paramref name="like"/>'s dtype and device, for masks in rules.</summary>
    internal static Tensor Zero(Tensor like) => Tensor.Scalar(0, like.DType, like.Device);
}
