namespace Avalon.Compiler.Fusion;

/// <summary>Facts about each <see cref="FusedOp"/>: arity, whether it yields a mask, its printed name.</summary>
public static class FusedOpInfo
{
    /// <summary>How many operands the operation takes (0 for an input).</summary>
    public static int Arity(FusedOp op) => op switch
    {
        FusedOp.Input => 0,
        FusedOp.Add or FusedOp.Sub or FusedOp.Mul or FusedOp.Div or FusedOp.Maximum or FusedOp.Minimum or FusedOp.Pow
            or FusedOp.Eq or FusedOp.Ne or FusedOp.Lt or FusedOp.Le or FusedOp.Gt or FusedOp.Ge
            or FusedOp.And or FusedOp.Or or FusedOp.Xor => 2,
        FusedOp.Where => 3,
        _ => 1,
    };

    /// <summary>Whether the operation's value is a mask (a bool tensor's elements).</summary>
    public static bool YieldsMask(FusedOp op) =>
        op is FusedOp.Eq or FusedOp.Ne or FusedOp.Lt or FusedOp.Le or FusedOp.Gt or FusedOp.Ge
            or FusedOp.And or FusedOp.Or or FusedOp.Xor or FusedOp.Not;

    /// <summary>Whether operand <paramref name="index"/> of the operation is a mask.</summary>
    public static bool TakesMask(FusedOp op, int index) =>
        op is FusedOp.And or FusedOp.Or or FusedOp.Xor or FusedOp.Not || op == FusedOp.Where && index == 0;

    /// <summary>Whether the operation has a numeric parameter (<see cref="FusedNode.Parameter"/>).</summary>
    public static bool HasParameter(FusedOp op) => op is FusedOp.PowScalar or FusedOp.ClampMin or FusedOp.ClampMax;

    /// <summary>The operation's name as listings print it (the primitive's name where there is one).</summary>
    public static string Name(FusedOp op) => op switch
    {
        FusedOp.Input => "input",
        FusedOp.Maximum => "maximum",
        FusedOp.Minimum => "minimum",
        FusedOp.PowScalar => "pow_scalar",
        FusedOp.ClampMin => "clamp_min",
        FusedOp.ClampMax => "clamp_max",
        FusedOp.And => "logical_and",
        FusedOp.Or => "logical_or",
        FusedOp.Xor => "logical_xor",
        FusedOp.Not => "logical_not",
        _ => op.ToString().ToLowerInvariant(),
    };

    /// <summary>The name of the lane operation generated code calls (a method of the FusedVector/FusedScalar helpers).</summary>
    internal static string HelperName(FusedOp op) => op.ToString();
}
