namespace Avalon.Autodiff;

/// <summary>
/// PyTorch-style <c>backward()</c>: walks the graph of <see cref="GradNode"/>s from a tensor in reverse
/// topological order, applying each primitive's derivative rule, and accumulates into leaves' Grad.
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

        if (!createGraph) GradMode.Disable();
        try
        {
            if (root.GradFn is null)
            {
                Accumulate(root, gradient);
                return;
            }
            var order = TopologicalOrder(root);
            foreach (var node in order)
                if (node.Freed)
                    throw OpErrors.State(
                        "backward", $"trying to backward through the graph a second time (through {node}), or to use values it saved after they were freed. " +
                        "Pass retainGraph: true to the first Backward if you need to backward through the graph again.");
            var pending = new Dictionary<GradNode, Tensor?[]>(ReferenceEqualityComparer.Instance);
            Add(pending, root.GradFn, root.GradFnOutput, gradient);
            for (int n = order.Count - 1; n >= 0; n--)
            {
                var node = order[n];
                if (!pending.Remove(node, out var g)) continue;
                CheckVersions(node);
                var needs = (bool[])node.InputRequiresGrad.Clone();
                var grads = RuleRunner.Apply(node.Primitive, node.Attributes, node.Inputs, node.Outputs, g, needs);
                for (int i = 0; i < grads.Length; i++)
                {
                    var gi = grads[i];
                    if (gi is null) continue;
                    if (node.InputFns[i] is { } fn) Add(pending, fn, node.InputFnOutputs[i], gi);
                    else if (node.InputRequiresGrad[i]) Accumulate(node.Leaves[i], gi);
                }
            }
            if (!retainGraph)
                foreach (var node in order) node.Freed = true;
        }
        finally
        {
            if (!createGraph) GradMode.Restore();
        }
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
    private static List<GradNode> TopologicalOrder(Tensor root)
    {
        var order = new List<GradNode>();
        if (root.GradFn is null) return order;
        var visited = new HashSet<GradNode>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(GradNode Node, int Next)>();
        stack.Push((root.GradFn, 0));
        visited.Add(root.GradFn);
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
        return order;
    }
}
