namespace Avalon.Compiler.Fusion;

/// <summary>
/// An operation of a fused elementwise expression (<see cref="FusedExpression"/>). Each is one
/// elementwise primitive (clamp is two: <see cref="ClampMin"/> then <see cref="ClampMax"/>, as its
/// kernel computes it) and computes what that primitive's CPU kernel computes.
/// </summary>
public enum FusedOp
{
    /// <summary>External input number <see cref="FusedNode.Parameter"/> of the fused call.</summary>
    Input,

    /// <summary><c>add</c>.</summary>
    Add,

    /// <summary><c>sub</c>.</summary>
    Sub,

    /// <summary><c>mul</c>.</summary>
    Mul,

    /// <summary><c>div</c>.</summary>
    Div,

    /// <summary><c>maximum</c>.</summary>
    Maximum,

    /// <summary><c>minimum</c>.</summary>
    Minimum,

    /// <summary><c>pow</c> (tensor exponent).</summary>
    Pow,

    /// <summary><c>neg</c>.</summary>
    Neg,

    /// <summary><c>exp</c>.</summary>
    Exp,

    /// <summary><c>log</c>.</summary>
    Log,

    /// <summary><c>log1p</c>.</summary>
    Log1p,

    /// <summary><c>expm1</c>.</summary>
    Expm1,

    /// <summary><c>sqrt</c>.</summary>
    Sqrt,

    /// <summary><c>rsqrt</c>.</summary>
    Rsqrt,

    /// <summary><c>abs</c>.</summary>
    Abs,

    /// <summary><c>sign</c>.</summary>
    Sign,

    /// <summary><c>sin</c>.</summary>
    Sin,

    /// <summary><c>cos</c>.</summary>
    Cos,

    /// <summary><c>tanh</c>.</summary>
    Tanh,

    /// <summary><c>sigmoid</c>.</summary>
    Sigmoid,

    /// <summary><c>erf</c>.</summary>
    Erf,

    /// <summary><c>square</c>.</summary>
    Square,

    /// <summary><c>reciprocal</c>.</summary>
    Reciprocal,

    /// <summary><c>relu</c>.</summary>
    Relu,

    /// <summary><c>pow_scalar</c> with exponent <see cref="FusedNode.Parameter"/>.</summary>
    PowScalar,

    /// <summary>max(x, <see cref="FusedNode.Parameter"/>): <c>clamp</c>'s lower bound.</summary>
    ClampMin,

    /// <summary>min(x, <see cref="FusedNode.Parameter"/>): <c>clamp</c>'s upper bound.</summary>
    ClampMax,

    /// <summary><c>eq</c> (a mask).</summary>
    Eq,

    /// <summary><c>ne</c> (a mask).</summary>
    Ne,

    /// <summary><c>lt</c> (a mask).</summary>
    Lt,

    /// <summary><c>le</c> (a mask).</summary>
    Le,

    /// <summary><c>gt</c> (a mask).</summary>
    Gt,

    /// <summary><c>ge</c> (a mask).</summary>
    Ge,

    /// <summary><c>logical_and</c> of masks.</summary>
    And,

    /// <summary><c>logical_or</c> of masks.</summary>
    Or,

    /// <summary><c>logical_xor</c> of masks.</summary>
    Xor,

    /// <summary><c>logical_not</c> of a mask.</summary>
    Not,

    /// <summary><c>where</c>(mask, a, b).</summary>
    Where,
}
