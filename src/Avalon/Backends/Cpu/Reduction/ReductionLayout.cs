namespace Avalon.Backends.Cpu.Reduction;

/// <summary>
/// Brings the reduced dims of a tensor to the end and makes it dense, so that every output element
/// reduces one contiguous row: the layout every CPU reduction kernel works on.
/// </summary>
internal static class ReductionLayout
{
    /// <summary>A dense tensor whose rows (of length <paramref name="rowLength"/>) are the groups to reduce, one per output element.</summary>
    public static Tensor Rows(Tensor x, int[] dims, out int rowLength, out int rows)
    {
        var reduced = new bool[x.Rank];
        foreach (int d in dims) reduced[d] = true;
        var order = new List<int>();
        for (int i = 0; i < x.Rank; i++) if (!reduced[i]) order.Add(i);
        rowLength = 1;
        for (int i = 0; i < x.Rank; i++) if (reduced[i]) { order.Add(i); rowLength *= x.Shape.Dims[i]; }
        var shape = new int[x.Rank];
        var strides = new int[x.Rank];
        for (int i = 0; i < order.Count; i++)
        {
            shape[i] = x.Shape.Dims[order[i]];
            strides[i] = x.StridesInternal[order[i]];
        }
        var permuted = x.ViewOf(shape, strides, x.Offset);
        rows = rowLength == 0 ? ShapeUtil.Numel(shape.AsSpan(0, x.Rank - dims.Length)) : x.Numel / rowLength;
        return permuted.ContiguousNoGrad();
    }
}
