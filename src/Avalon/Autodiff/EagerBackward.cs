using Avalon.Primitives;

namespace Avalon.Autodiff;

/// <summary>
/// PyTorch-style <c>backward()</c>: walks the graph of <see cref="GradNode"/>s from a tensor in reverse
/// topological order, applying each primitive's derivative rule, and accumulates into leaves' Grad.
/// </summary>
internal static class EagerBackward
{
    public static void Run(Tensor root, Tensor? gradient, bool createGraph)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException(
                "backward: the tensor does not require grad and has no grad_fn. Set RequiresGrad = true on the leaves you want gradients for, before computing.");
        if (gradient is null)
        {
            if (root.Numel != 1)
                throw new InvalidOperationException(
                    $"backward: grad can be implicitly created only for single-element outputs, but the output has shape {root.Shape}. Pass a gradient of that shape.");
            gradient = Tensor.OnesLike(root);
        }
        else if (gradient.Shape != root.Shape)
            throw new ArgumentException($"backward: the gradient has shape {gradient.Shape} but the output has shape {root.Shape}.");

        if (!createGraph) GradMode.Disable();
        try
        {
            var order = TopologicalOrder(root);
            var pending = new Dictionary<GradNode, Tensor>(ReferenceEqualityComparer.Instance);
            if (root.GradFn is null)
            {
                Accumulate(root, gradient);
                return;
            }
            pending[root.GradFn] = gradient;
            for (int n = order.Count - 1; n >= 0; n--)
            {
                var node = order[n];
                if (!pending.Remove(node, out var g)) continue;
                var needs = new bool[node.Inputs.Length];
                for (int i = 0; i < needs.Length; i++) needs[i] = node.Inputs[i].RequiresGrad;
                var grads = RuleRunner.Apply(node.Primitive, node.Attributes, node.Inputs, node.Output, g, needs);
                for (int i = 0; i < grads.Length; i++)
                {
                    var gi = grads[i];
                    if (gi is null) continue;
                    var input = node.Inputs[i];
                    if (input.GradFn is { } fn)
                        pending[fn] = pending.TryGetValue(fn, out var acc) ? acc + gi : gi;
                    else if (input.RequiresGrad)
                        Accumulate(input, gi);
                }
            }
        }
        finally
        {
            if (!createGraph) GradMode.Restore();
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
                var child = node.Inputs[next].GradFn;
                if (child is not null && visited.Add(child)) stack.Push((child, 0));
            }
            else order.Add(node);
        }
        return order;
    }
}
