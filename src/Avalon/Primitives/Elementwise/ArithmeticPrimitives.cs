namespace Avalon.Primitives.Elementwise;

/// <summary>The arithmetic primitives, each with its derivative rule beside it.</summary>
[PrimitiveSet]
internal static class ArithmeticPrimitives
{
    public static readonly Primitive Add = new BinaryPrimitive("add",
        c => (c.GradOutput, c.GradOutput), ruleReadsInputs: false);

    public static readonly Primitive Sub = new BinaryPrimitive("sub",
        c => (c.GradOutput, -c.GradOutput), ruleReadsInputs: false);

    public static readonly Primitive Mul = new BinaryPrimitive("mul",
        c => (c.NeedsInputGrad[0] ? c.GradOutput * c.Inputs[1] : null, c.NeedsInputGrad[1] ? c.GradOutput * c.Inputs[0] : null));

    public static readonly Primitive Div = new BinaryPrimitive("div",
        c => (c.NeedsInputGrad[0] ? c.GradOutput / c.Inputs[1] : null,
              c.NeedsInputGrad[1] ? -c.GradOutput * c.Output / c.Inputs[1] : null));

    public static readonly Primitive Neg = new UnaryPrimitive("neg", c => -c.GradOutput, floatOnly: false);

    public static readonly Primitive Exp = new UnaryPrimitive("exp", c => c.GradOutput * c.Output);

    public static readonly Primitive Log = new UnaryPrimitive("log", c => c.GradOutput / c.Inputs[0]);
}
