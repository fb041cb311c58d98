namespace Avalon.Primitives;

/// <summary>Building blocks for derivative rules, written in primitives.</summary>
public static class GradHelpers
{
    /// <summary>
    /// Sums a broadcast gradient back to <paramref name="shape"/>: over leading dims that broadcasting
    /// added and over dims where the target has size 1.
    /// </summary>
    public static Tensor SumToShape(Tensor grad, Shape shape)
    {
        if (grad.Shape == shape) return grad;
        int lead = grad.Rank - shape.Rank;
        var dims = new List<int>();
        for (int i = 0; i < grad.Rank; i++)
            if (i < lead || shape[i - lead] == 1 && grad.Shape[i] != 1) dims.Add(i);
        var summed = dims.Count == 0 ? grad : grad.Sum(dims.ToArray(), keepDim: true);
        return summed.Reshape(shape.ToArray());
    }
}
