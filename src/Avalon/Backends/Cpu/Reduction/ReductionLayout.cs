namespace Avalon.Backends.Cpu.Reduction;

/// <summary>
/// How a reduction walks its input: a dense tensor seen as <c>[Outer, Length, Inner]</c>, where each
/// output element <c>(o, i)</c> reduces the <see cref="Length"/> elements <c>(o, 0..Length, i)</c>.
/// </summary>
/// <remarks>
/// When <see cref="Inner"/> is 1 every group is one contiguous row (reduce it with a vectorised row
/// reduction); otherwise the groups are columns and a kernel accumulates whole rows of length
/// <see cref="Inner"/> with vector operations, which reads memory in order and needs no copy.
/// </remarks>
internal readonly record struct ReductionPlan(Tensor Dense, int Outer, int Length, int Inner);

/// <summary>
/// Lays a tensor out for reduction over a set of dims: the layout every CPU reduction kernel works on.
/// </summary>
internal static class ReductionLayout
{
    /// <summary>
    /// The plan for reducing <paramref name="x"/> over <paramref name="dims"/> (sorted, normalised).
    /// A dense input (contiguous, or a permutation of a contiguous tensor such as a transpose, as long as
    /// the kept dims stay in order) whose reduced dims are adjacent in memory (ignoring size-1 dims) is
    /// used in place as <c>[Outer, Length, Inner]</c>; anything else is copied once with the reduced dims
    /// moved last.
    /// </summary>
    public static ReductionPlan Plan(Tensor x, int[] dims)
    {
        Span<bool> reduced = x.Rank <= 32 ? stackalloc bool[x.Rank] : new bool[x.Rank];
        foreach (int d in dims) reduced[d] = true;
        var view = x.IsContiguous ? x : InMemoryOrder(x, reduced);
        if (view is not null && TryAdjacent(view.Shape.Dims, reduced, out int outer, out int length, out int inner))
            return new ReductionPlan(view, outer, length, inner);
        var dense = Rows(x, dims, out int rowLength, out int rows);
        return new ReductionPlan(dense, rows, rowLength, 1);
    }

    // x with its dims reordered by decreasing stride when that makes it contiguous and keeps the kept
    // dims (size > 1) in their logical order, so the output's row-major order is unchanged, and the
    // reduced dims too, so a group's elements (and argmax's indices) keep their order; else null.
    private static Tensor? InMemoryOrder(Tensor x, Span<bool> reduced)
    {
        int rank = x.Rank;
        var shape = x.Shape.Dims;
        var strides = x.StridesInternal;
        var order = new int[rank];
        for (int i = 0; i < rank; i++) order[i] = i;
        // Insertion sort: stable, and ranks are small.
        for (int i = 1; i < rank; i++)
            for (int j = i; j > 0 && strides[order[j - 1]] < strides[order[j]]; j--)
                (order[j - 1], order[j]) = (order[j], order[j - 1]);
        int lastKept = -1, lastReduced = -1;
        foreach (int d in order)
        {
            if (shape[d] == 1) continue;
            ref int last = ref reduced[d] ? ref lastReduced : ref lastKept;
            if (d < last) return null;
            last = d;
        }
        var newShape = new int[rank];
        var newStrides = new int[rank];
        var newReduced = new bool[rank];
        for (int i = 0; i < rank; i++)
        {
            newShape[i] = shape[order[i]];
            newStrides[i] = strides[order[i]];
            newReduced[i] = reduced[order[i]];
        }
        if (!ShapeUtil.IsContiguous(newShape, newStrides)) return null;
        newReduced.CopyTo(reduced);
        return x.ViewOf(newShape, newStrides, x.Offset);
    }

    // Outer/Length/Inner sizes when the reduced dims of size > 1 form one run of adjacent dims.
    private static bool TryAdjacent(int[] shape, ReadOnlySpan<bool> reduced, out int outer, out int length, out int inner)
    {
        outer = 1;
        length = 1;
        inner = 1;
        int phase = 0; // 0: before the reduced run, 1: inside it, 2: after it
        for (int i = 0; i < shape.Length; i++)
        {
            int size = shape[i];
            if (reduced[i])
            {
                if (phase == 2 && size != 1) return false;
                if (phase == 0) phase = 1;
                length *= size;
            }
            else
            {
                if (phase == 1 && size != 1) phase = 2;
                if (phase == 0) outer *= size;
                else inner *= size;
            }
        }
        return true;
    }

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
        rows = ShapeUtil.Numel(shape.AsSpan(0, x.Rank - dims.Length));
        return permuted.ContiguousNoGrad();
    }
}
