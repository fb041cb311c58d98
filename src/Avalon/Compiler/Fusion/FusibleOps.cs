using Avalon.Autodiff;
using Avalon.Primitives;
using Avalon.Primitives.Elementwise;

namespace Avalon.Compiler.Fusion;

/// <summary>
/// Which primitive calls fusion can take into a group: the pure elementwise primitives with a
/// <see cref="FusedOp"/>, on floating-point values of one dtype (comparisons give masks, the logical
/// operations combine them, where selects with one). Random, in-place and view primitives never appear here.
/// </summary>
internal static class FusibleOps
{
    private static readonly Dictionary<Primitive, FusedOp> s_ops = new()
    {
        [ArithmeticPrimitives.Add] = FusedOp.Add,
        [ArithmeticPrimitives.Sub] = FusedOp.Sub,
        [ArithmeticPrimitives.Mul] = FusedOp.Mul,
        [ArithmeticPrimitives.Div] = FusedOp.Div,
        [ArithmeticPrimitives.Neg] = FusedOp.Neg,
        [ArithmeticPrimitives.Exp] = FusedOp.Exp,
        [ArithmeticPrimitives.Log] = FusedOp.Log,
        [SelectionPrimitives.Maximum] = FusedOp.Maximum,
        [SelectionPrimitives.Minimum] = FusedOp.Minimum,
        [SelectionPrimitives.Clamp] = FusedOp.ClampMin,   // lowered to ClampMin and/or ClampMax by its bounds
        [SelectionPrimitives.Where] = FusedOp.Where,
        [MathPrimitives.Pow] = FusedOp.Pow,
        [MathPrimitives.PowScalar] = FusedOp.PowScalar,
        [MathPrimitives.Log1p] = FusedOp.Log1p,
        [MathPrimitives.Expm1] = FusedOp.Expm1,
        [MathPrimitives.Sqrt] = FusedOp.Sqrt,
        [MathPrimitives.Rsqrt] = FusedOp.Rsqrt,
        [MathPrimitives.Abs] = FusedOp.Abs,
        [MathPrimitives.Sign] = FusedOp.Sign,
        [MathPrimitives.Sin] = FusedOp.Sin,
        [MathPrimitives.Cos] = FusedOp.Cos,
        [MathPrimitives.Tanh] = FusedOp.Tanh,
        [MathPrimitives.Sigmoid] = FusedOp.Sigmoid,
        [MathPrimitives.Erf] = FusedOp.Erf,
        [MathPrimitives.Square] = FusedOp.Square,
        [MathPrimitives.Reciprocal] = FusedOp.Reciprocal,
        [MathPrimitives.Relu] = FusedOp.Relu,
        [ComparisonPrimitives.Eq] = FusedOp.Eq,
        [ComparisonPrimitives.Ne] = FusedOp.Ne,
        [ComparisonPrimitives.Lt] = FusedOp.Lt,
        [ComparisonPrimitives.Le] = FusedOp.Le,
        [ComparisonPrimitives.Gt] = FusedOp.Gt,
        [ComparisonPrimitives.Ge] = FusedOp.Ge,
        [LogicalPrimitives.And] = FusedOp.And,
        [LogicalPrimitives.Or] = FusedOp.Or,
        [LogicalPrimitives.Xor] = FusedOp.Xor,
        [LogicalPrimitives.Not] = FusedOp.Not,
    };

    /// <summary>The fused operation of a call, when its primitive has one.</summary>
    public static bool TryGet(CallOp call, out FusedOp op) =>
        s_ops.TryGetValue(call.Primitive, out op) && call.OutputCount == 1 && call.Primitive.Effects.IsPure;

    /// <summary>
    /// Whether the call can join a group whose values are of <paramref name="elementType"/>: a CPU call
    /// whose operands and result are values of that dtype or masks, as its operation expects.
    /// </summary>
    public static bool Fits(CallOp call, FusedOp op, DType elementType, Func<int, TensorSpec> specOf)
    {
        if (call.Spec.Device.Type != DeviceType.Cpu) return false;
        if (call.Spec.DType != (FusedOpInfo.YieldsMask(op) ? DType.Bool : elementType)) return false;
        int arity = FusedOpInfo.Arity(op);
        if (call.Args.Length != arity) return false;
        for (int a = 0; a < arity; a++)
            if (specOf(call.Args[a]).DType != (FusedOpInfo.TakesMask(op, a) ? DType.Bool : elementType)) return false;
        return true;
    }
}
