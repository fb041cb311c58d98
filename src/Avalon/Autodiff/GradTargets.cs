namespace Avalon.Autodiff;

/// <summary>
/// The tensors <c>Autograd.Grad</c> differentiates with respect to, and the gradients that reach them
/// during one <see cref="EagerBackward"/> walk: a leaf is found by identity when a gradient is delivered
/// to it, an intermediate tensor by the output of the node that produced it.
/// </summary>
internal sealed class GradTargets
{
    private readonly Dictionary<Tensor, int> _leaves = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<GradNode, List<(int Output, int Slot)>> _nodes = new(ReferenceEqualityComparer.Instance);
    private readonly int[] _slotOfInput;
    private readonly Tensor?[] _slots;

    public GradTargets(IReadOnlyList<Tensor> inputs)
    {
        _slotOfInput = new int[inputs.Count];
        var slotOfNodeOutput = new Dictionary<(GradNode, int), int>();
        int count = 0;
        for (int i = 0; i < inputs.Count; i++)
        {
            var x = inputs[i];
            if (x.GradFn is { } fn)
            {
                if (!slotOfNodeOutput.TryGetValue((fn, x.GradFnOutput), out int slot))
                {
                    slot = slotOfNodeOutput[(fn, x.GradFnOutput)] = count++;
                    if (!_nodes.TryGetValue(fn, out var list)) _nodes[fn] = list = [];
                    list.Add((x.GradFnOutput, slot));
                }
                _slotOfInput[i] = slot;
            }
            else
            {
                if (!_leaves.TryGetValue(x, out int slot)) slot = _leaves[x] = count++;
                _slotOfInput[i] = slot;
            }
        }
        _slots = new Tensor?[count];
    }

    /// <summary>Whether a gradient delivered to <paramref name="leaf"/> is wanted.</summary>
    public bool IsLeafTarget(Tensor leaf) => _leaves.ContainsKey(leaf);

    /// <summary>A leaf's gradient arrived (summed with earlier arrivals); ignored unless it is a target.</summary>
    public void ArriveAtLeaf(Tensor leaf, Tensor g)
    {
        if (_leaves.TryGetValue(leaf, out int slot)) _slots[slot] = _slots[slot] is { } acc ? acc + g : g;
    }

    /// <summary>The complete gradients of a node's outputs, about to flow through its rule.</summary>
    public void ArriveAtNode(GradNode node, Tensor?[] outputGrads)
    {
        if (!_nodes.TryGetValue(node, out var list)) return;
        foreach (var (output, slot) in list) _slots[slot] = outputGrads[output];
    }

    /// <summary>The nodes of <paramref name="order"/> (children first) from which a gradient can reach a target.</summary>
    public HashSet<GradNode> NodesLeadingToTargets(List<GradNode> order)
    {
        var needed = new HashSet<GradNode>(ReferenceEqualityComparer.Instance);
        foreach (var node in order)
        {
            bool leads = _nodes.ContainsKey(node);
            for (int i = 0; i < node.Inputs.Length && !leads; i++)
                leads = node.InputFns[i] is { } fn ? needed.Contains(fn) : node.InputRequiresGrad[i] && _leaves.ContainsKey(node.Leaves[i]);
            if (leads) needed.Add(node);
        }
        return needed;
    }

    /// <summary>One gradient per input, in input order (null where none arrived).</summary>
    public Tensor?[] Results()
    {
        var results = new Tensor?[_slotOfInput.Length];
        for (int i = 0; i < results.Length; i++) results[i] = _slots[_slotOfInput[i]];
        return results;
    }
}
