using System.Globalization;
using System.Text;

namespace Avalon.Compiler.Fusion;

/// <summary>
/// The fused-kernel IR: a small expression DAG over a fused call's external inputs, in SSA order
/// (each node uses earlier nodes only), whose last node is the output. Values are elements of one
/// floating-point dtype (<see cref="ElementType"/>) or masks (the elements of bool tensors: comparison
/// results and bool inputs). Shapes are not part of it: each input is broadcast into the output's shape
/// when the kernel runs, and how (dense, a scalar, a row or a column vector, general strides) chooses the
/// generated loop. <see cref="Key"/> identifies the expression structurally, so that the same pattern
/// compiles once.
/// </summary>
public sealed class FusedExpression
{
    private readonly FusedNode[] _nodes;
    private readonly bool[] _inputIsMask;

    /// <summary>Creates and checks an expression.</summary>
    /// <param name="elementType">Float32 or Float64: the dtype of every non-mask value.</param>
    /// <param name="inputIsMask">Per external input, whether it is a bool tensor (a mask).</param>
    /// <param name="nodes">The nodes in SSA order; the last one is the output (not a mask).</param>
    /// <exception cref="ArgumentException">The expression is malformed (the message says how).</exception>
    public FusedExpression(DType elementType, IReadOnlyList<bool> inputIsMask, IReadOnlyList<FusedNode> nodes)
    {
        if (elementType is not (DType.Float32 or DType.Float64))
            throw new ArgumentException($"FusedExpression: the element type must be float32 or float64, got {elementType.Name()}.", nameof(elementType));
        if (nodes.Count == 0) throw new ArgumentException("FusedExpression: an expression has at least one node.", nameof(nodes));
        ElementType = elementType;
        _inputIsMask = [.. inputIsMask];
        _nodes = [.. nodes];
        var used = new bool[_inputIsMask.Length];
        for (int i = 0; i < _nodes.Length; i++)
        {
            var node = _nodes[i];
            if (node.Args.Count != FusedOpInfo.Arity(node.Op))
                throw new ArgumentException($"FusedExpression: node {i} ({FusedOpInfo.Name(node.Op)}) takes {FusedOpInfo.Arity(node.Op)} operands, got {node.Args.Count}.", nameof(nodes));
            if (node.Op == FusedOp.Input)
            {
                int k = node.InputIndex;
                if (k < 0 || k >= _inputIsMask.Length || k != node.Parameter)
                    throw new ArgumentException($"FusedExpression: node {i} reads input {node.Parameter}, but there are {_inputIsMask.Length} inputs.", nameof(nodes));
                used[k] = true;
            }
            for (int a = 0; a < node.Args.Count; a++)
            {
                int arg = node.Args[a];
                if (arg < 0 || arg >= i)
                    throw new ArgumentException($"FusedExpression: node {i} ({FusedOpInfo.Name(node.Op)}) uses node {arg}, which is not an earlier node.", nameof(nodes));
                if (IsMask(arg) != FusedOpInfo.TakesMask(node.Op, a))
                    throw new ArgumentException(
                        $"FusedExpression: operand {a} of node {i} ({FusedOpInfo.Name(node.Op)}) must be {(FusedOpInfo.TakesMask(node.Op, a) ? "a mask" : "a value")}, but node {arg} is {(IsMask(arg) ? "a mask" : "a value")}.", nameof(nodes));
            }
        }
        if (IsMask(_nodes.Length - 1))
            throw new ArgumentException("FusedExpression: the output node must be a value, not a mask.", nameof(nodes));
        for (int k = 0; k < used.Length; k++)
            if (!used[k]) throw new ArgumentException($"FusedExpression: input {k} is not read by any node.", nameof(nodes));
        Key = BuildKey();
    }

    /// <summary>The dtype of the values (and of the output).</summary>
    public DType ElementType { get; }

    /// <summary>The nodes in SSA order; the last is the output.</summary>
    public IReadOnlyList<FusedNode> Nodes => _nodes;

    /// <summary>The number of external inputs.</summary>
    public int InputCount => _inputIsMask.Length;

    /// <summary>The number of operations (nodes that are not inputs).</summary>
    public int OperationCount => _nodes.Count(n => n.Op != FusedOp.Input);

    /// <summary>Whether external input <paramref name="input"/> is a bool tensor.</summary>
    public bool InputIsMask(int input) => _inputIsMask[input];

    /// <summary>Whether node <paramref name="node"/> is a mask.</summary>
    public bool IsMask(int node) =>
        _nodes[node].Op == FusedOp.Input ? _inputIsMask[_nodes[node].InputIndex] : FusedOpInfo.YieldsMask(_nodes[node].Op);

    /// <summary>
    /// The structural key: dtype, input kinds and every node, so that two expressions with the same key
    /// compute the same function of their inputs (what the kernel cache is keyed by).
    /// </summary>
    public string Key { get; }

    private string BuildKey()
    {
        var sb = new StringBuilder(ElementType == DType.Float32 ? "f32|" : "f64|");
        foreach (bool m in _inputIsMask) sb.Append(m ? 'm' : 'v');
        sb.Append('|');
        for (int i = 0; i < _nodes.Length; i++)
        {
            var n = _nodes[i];
            if (i > 0) sb.Append(';');
            sb.Append(FusedOpInfo.Name(n.Op));
            if (n.Op == FusedOp.Input || FusedOpInfo.HasParameter(n.Op))
                sb.Append('#').Append(n.Parameter.ToString("R", CultureInfo.InvariantCulture));
            if (n.Args.Count > 0) sb.Append('(').Append(string.Join(",", n.Args)).Append(')');
        }
        return sb.ToString();
    }

    /// <summary>
    /// The expression as one nested formula over inputs x0, x1, ... (a node used more than once is named
    /// t&lt;index&gt; and defined first), e.g. <c>relu(add(x0, x1))</c>.
    /// </summary>
    public override string ToString()
    {
        var uses = new int[_nodes.Length];
        foreach (var n in _nodes) foreach (int a in n.Args) uses[a]++;
        var text = new string[_nodes.Length];
        var lets = new List<string>();
        for (int i = 0; i < _nodes.Length; i++)
        {
            var n = _nodes[i];
            string expr = n.Op == FusedOp.Input ? "x" + n.InputIndex
                : FusedOpInfo.Name(n.Op) + "(" + string.Join(", ", n.Args.Select(a => text[a]).Concat(
                    FusedOpInfo.HasParameter(n.Op) ? [n.Parameter.ToString("R", CultureInfo.InvariantCulture)] : [])) + ")";
            if (n.Op != FusedOp.Input && uses[i] > 1)
            {
                lets.Add($"t{i} = {expr}");
                expr = "t" + i;
            }
            text[i] = expr;
        }
        lets.Add(text[^1]);
        return string.Join("; ", lets);
    }
}
