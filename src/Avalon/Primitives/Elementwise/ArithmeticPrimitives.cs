using System.Numerics.Tensors;
using Avalon.Backends.Cpu.Elementwise;

namespace Avalon.Primitives.Elementwise;

/// <summary>The arithmetic primitives, each with its derivative rule beside it.</summary>
[PrimitiveSet]
internal static class ArithmeticPrimitives
{
    public static readonly Primitive Add = new BinaryPrimitive("add",
        ElementwiseKernels.Arithmetic<AddOperator<float>, AddOperator<double>, AddOperator<int>, AddOperator<long>>("add"),
        c => (c.GradOutput, c.GradOutput));

    public static readonly Primitive Sub = new BinaryPrimitive("sub",
        ElementwiseKernels.Arithmetic<SubtractOperator<float>, SubtractOperator<double>, SubtractOperator<int>, SubtractOperator<long>>("sub"),
        c => (c.GradOutput, -c.GradOutput));

    public static readonly Primitive Mul = new BinaryPrimitive("mul",
        ElementwiseKernels.Arithmetic<MultiplyOperator<float>, MultiplyOperator<double>, MultiplyOperator<int>, MultiplyOperator<long>>("mul"),
        c => (c.NeedsInputGrad[0] ? c.GradOutput * c.Inputs[1] : null, c.NeedsInputGrad[1] ? c.GradOutput * c.Inputs[0] : null));

    public static readonly Primitive Div = new BinaryPrimitive("div",
        ElementwiseKernels.Arithmetic<DivideOperator<float>, DivideOperator<double>, DivideOperator<int>, DivideOperator<long>>("div"),
        c => (c.NeedsInputGrad[0] ? c.GradOutput / c.Inputs[1] : null,
              c.NeedsInputGrad[1] ? -c.GradOutput * c.Output / c.Inputs[1] : null));

    public static readonly Primitive Neg = new UnaryPrimitive("neg", ElementwiseKernels.Negate, c => -c.GradOutput, floatOnly: false);

    public static readonly Primitive Exp = new UnaryPrimitive("exp",
        ElementwiseKernels.FloatUnary("exp", TensorPrimitives.Exp, TensorPrimitives.Exp),
        c => c.GradOutput * c.Output);

    public static readonly Primitive Log = new UnaryPrimitive("log",
        ElementwiseKernels.FloatUnary("log", TensorPrimitives.Log, TensorPrimitives.Log),
        c => c.GradOutput / c.Inputs[0]);
}
