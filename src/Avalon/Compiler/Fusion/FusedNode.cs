namespace Avalon.Compiler.Fusion;

/// <summary>
/// One node of a <see cref="FusedExpression"/>: an operation on earlier nodes (by index), an external
/// input (<see cref="FusedOp.Input"/>, <see cref="Parameter"/> = its number), or an operation with a
/// constant parameter (pow_scalar's exponent, a clamp bound).
/// </summary>
/// <param name="Op">The operation.</param>
/// <param name="Args">The indices of the operand nodes (earlier in the expression).</param>
/// <param name="Parameter">The input number of an input node, or the constant of an operation that has one; otherwise 0.</param>
public sealed record FusedNode(FusedOp Op, IReadOnlyList<int> Args, double Parameter = 0)
{
    /// <summary>An input node.</summary>
    public static FusedNode Input(int index) => new(FusedOp.Input, [], index);

    /// <summary>The input number of an input node.</summary>
    public int InputIndex => Op == FusedOp.Input ? (int)Parameter : throw new InvalidOperationException($"FusedNode: a {FusedOpInfo.Name(Op)} node is not an input.");
}
