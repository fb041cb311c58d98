namespace Avalon.Autodiff;

/// <summary>
/// PyTorch-style <c>backward()</c>: walks the graph of <see cref="GradNode"/>s from tensors in reverse
/// topological order, applying each primitive's derivative rule, and accumulates into leaves' Grad
/// (<c>backward()</c>) or collects the gradients of chosen tensors (<c>Autograd.Grad</c>).
/// </summary>
internal static class EagerBackward
{
    public static void Run(Tensor root, Tensor? gradient, bool createGraph, bool retainGraph)
    {
        if (!root.RequiresGrad)
            throw OpErrors.State(
                "backward", "the tensor does not require grad and has no grad_fn. Set RequiresGrad = true on the leaves you want gradients for, before computing.");
        if (gradient is null)
        {
            if (root.Numel != 1)
                throw OpErrors.State(
                    "backward", $"grad can be implicitly created only for single-element outputs, but the output has shape {root.Shape}. Pass a gradient of that shape.");
            gradient = Tensor.OnesLike(root);
        }
        else if (gradient.Shape != root.Shape)
            throw OpErrors.Argument("backward", $"the gradient has shape {gradient.Shape} but the output has shape {root.Shape}.");
        Walk([root], [gradient], createGraph, retainGraph, targets: null);
    }

    /// <summary>
    /// The gradients of <paramref name="roots"/> (seeded with <paramref name="seeds"/>) with respect to
    /// <paramref name="inputs"/> (leaves or intermediate tensors), returned instead of accumulated into
    /// any <see cref="Tensor.Grad"/> (PyTorch's <c>torch.autograd.grad</c>); null for an input no
    /// gradient reached. Only the calls on a path to an input run their rules. Arguments are checked by
    /// the caller.
    /// </summary>
    public static Tensor?[] Collect(IReadOnlyList<Tensor> roots, IReadOnlyList<Tensor> seeds, IReadOnlyList<Tensor> inputs, bool createGraph, bool retainGraph)
    {
        var targets = new GradTargets(inputs);
        Walk(roots, seeds, createGraph, retainGraph, targets);
        return targets.Results();
    }

    // The one reverse walk: with no targets, leaf gradients accumulate into .Grad (backward()); with
    // targets, the gradients arriving at them are collected and nothing else is touched (autograd.grad).
    private static void Walk(IReadOnlyList<Tensor> roots, IReadOnlyList<Tensor> seeds, bool createGraph, bool retainGraph, GradTargets? targets)
    {
        GradHooks.Enter();
        bool succeeded = false;
        try
        {
            WalkGraph(roots, seeds, createGraph, retainGraph, targets);
            succeeded = true;
        }
        finally
        {
            GradHooks.Exit(succeeded);
        }
    }

    private static void WalkGraph(IReadOnlyList<Tensor> roots, IReadOnlyList<Tensor> seeds, bool createGraph, bool retainGraph, GradTargets? targets)
    {
        if (!createGraph) GradMode.Disable();
        try
        {
            var order = TopologicalOrder(roots);
            foreach (var node in order)
                if (node.Freed)
                    throw OpErrors.State(
                        "backward", $"trying to backward through the graph a second time (through {node}), or to use values it saved after they were freed. " +
                        "Pass retainGraph: true to the first Backward if you need to backward through the graph again.");
            var needed = targets?.NodesLeadingToTargets(order);
            // Leaves with post-accumulate hooks: each fires after the last node that sends it a gradient.
            var hooked = targets is null && GradHooks.Any ? HookedLeavesByLastNode(order) : null;
            var delivered = hooked is null ? null : new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
            var pending = new Dictionary<GradNode, Tensor?[]>(ReferenceEqualityComparer.Instance);
            for (int k = 0; k < roots.Count; k++)
            {
                if (roots[k].GradFn is { } fn) Add(pending, fn, roots[k].GradFnOutput, seeds[k]);
                else
                {
                    Deliver(targets, roots[k], seeds[k]);
                    delivered?.Add(roots[k]);
                }
            }
            for (int n = order.Count - 1; n >= 0; n--)
            {
                var node = order[n];
                if (!pending.Remove(node, out var g))
                {
                    if (hooked is not null) FireReady(hooked, delivered!, node);
                    continue;
                }
                var needs = (bool[])node.InputRequiresGrad.Clone();
                if (targets is not null)
                {
                    if (!needed!.Contains(node)) continue;
                    targets.ArriveAtNode(node, g);
                    bool any = false;
                    for (int i = 0; i < needs.Length; i++)
                    {
                        needs[i] &= node.InputFns[i] is { } fn ? needed.Contains(fn) : targets.IsLeafTarget(node.Leaves[i]);
                        any |= needs[i];
                    }
                    if (!any) continue;
                }
                CheckVersions(node);
                var grads = RuleRunner.Apply(node.Primitive, node.Attributes, node.Inputs, node.Outputs, g, needs);
                for (int i = 0; i < grads.Length; i++)
                {
                    var gi = grads[i];
                    if (gi is null) continue;
                    if (node.InputFns[i] is { } fn) Add(pending, fn, node.InputFnOutputs[i], gi);
                    else if (node.InputRequiresGrad[i])
                    {
                        Deliver(targets, node.Leaves[i], gi);
                        delivered?.Add(node.Leaves[i]);
                    }
                }
                if (hooked is not null) FireReady(hooked, delivered!, node);
            }
            // Leaves that were roots themselves (no node sends them anything) are complete now.
            if (hooked is not null)
                foreach (var root in roots)
                    if (root.GradFn is null && delivered!.Remove(root) && GradHooks.HasHooks(root)) GradHooks.Fire(root);
            if (!retainGraph)
                foreach (var node in order) node.Freed = true;
        }
        finally
        {
            if (!createGraph) GradMode.Restore();
        }
    }

    // For each node, the hooked leaves it is the last (in walk order) to send a gradient to. The walk
    // goes from the end of the order to its start, so a leaf's last sender is its sender of lowest index.
    private static Dictionary<GradNode, List<Tensor>> HookedLeavesByLastNode(List<GradNode> order)
    {
        var byNode = new Dictionary<GradNode, List<Tensor>>(ReferenceEqualityComparer.Instance);
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int n = 0; n < order.Count; n++)
        {
            var node = order[n];
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                if (node.InputFns[i] is not null || !node.InputRequiresGrad[i]) continue;
                var leaf = node.Leaves[i];
                if (!seen.Add(leaf) || !GradHooks.HasHooks(leaf)) continue;
                if (!byNode.TryGetValue(node, out var list)) byNode[node] = list = [];
                list.Add(leaf);
            }
        }
        return byNode;
    }

    private static void FireReady(Dictionary<GradNode, List<Tensor>> hooked, HashSet<Tensor> delivered, GradNode node)
    {
        if (!hooked.TryGetValue(node, out var leaves)) return;
        foreach (var leaf in leaves)
            if (delivered.Remove(leaf)) GradHooks.Fire(leaf);
    }

    private static void Deliver(GradTargets? targets, Tensor leaf, Tensor g)
    {
        if (targets is null) Accumulate(leaf, g);
        else targets.ArriveAtLeaf(leaf, g);
    }

    private static void Add(Dictionary<GradNode, Tensor?[]> pending, GradNode node, int output, Tensor g)
    {
        if (!pending.TryGetValue(node, out var slots)) pending[node] = slots = new Tensor?[node.Outputs.Length];
        slots[output] = slots[output] is { } acc ? acc + g : g;
    }

    private static void CheckVersions(GradNode node)
    {
        for (int i = 0; i < node.Inputs.Length; i++)
        {
            var input = node.Inputs[i];
            if (!node.Primitive.RuleReadsInput(i)) continue;
            if (input.Version != node.InputVersions[i])
                throw OpErrors.State(
                    "backward", $"one of the tensors needed for gradient computation has been modified by an in-place operation: " +
                    $"input {i} of {node.Primitive.Name} ({input.DType.Name()}{input.Shape}) is at version {input.Version}; expected version {node.InputVersions[i]}. " +
                    "Compute the gradient before changing it, or change a copy (.Clone()).");
        }
    }

    private static void Accumulate(Tensor leaf, Tensor g)
    {
        // Without a graph the stored gradient gets its own dense storage: optimisers and clipping edit
        // .Grad in place, which must not reach a tensor shared with another leaf or a broadcast view.
        if (!GradMode.IsEnabled)
        {
            leaf.Grad = leaf.Grad is null ? g.ContiguousCopy() : (leaf.Grad + g).Detach();
            return;
        }
        leaf.Grad = leaf.Grad is null ? g : leaf.Grad + g;
    }

    // Depth-first post-order: a node comes after every node it consumes the outputs of.
    private static List<GradNode> TopologicalOrder(IReadOnlyList<Tensor> roots)
    {
        var order = new List<GradNode>();
        var visited = new HashSet<GradNode>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(GradNode Node, int Next)>();
        foreach (var root in roots)
        {
            if (root.GradFn is null || !visited.Add(root.GradFn)) continue;
            stack.Push((root.GradFn, 0));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (next < node.Inputs.Length)
                {
                    stack.Push((node, next + 1));
                    var child = node.InputFns[next];
                    if (child is not null && visited.Add(child)) stack.Push((child, 0));
                }
                else order.Add(node);
            }
        }
        return order;
    }
}
