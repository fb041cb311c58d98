using Avalon.Primitives;
using Avalon.Primitives.Indexing;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// The elements sorted along <paramref name="dim"/> and their int64 positions along it in this tensor
    /// (PyTorch's <c>sort</c>). NaN sorts as larger than every number. Ties keep their order (every sort
    /// is stable here; <paramref name="stable"/> is accepted for PyTorch's signature). The gradient
    /// flows back to the positions the indices name. One call of the <c>sort</c> primitive.
    /// </summary>
    /// <param name="dim">The dim to sort along (negative counts from the end).</param>
    /// <param name="descending">Largest first.</param>
    /// <param name="stable">Keep the order of equal elements (always done).</param>
    public (Tensor Values, Tensor Indices) Sort(int dim = -1, bool descending = false, bool stable = false)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank, "sort");
        var outputs = SortingPrimitives.Sort.InvokeMany(
            Attributes.Of(("dim", d), ("descending", descending), ("stable", stable)), this);
        return (outputs[0], outputs[1]);
    }

    /// <summary>
    /// The int64 positions that sort this tensor along <paramref name="dim"/> (PyTorch's <c>argsort</c>):
    /// the indices output of <see cref="Sort"/>.
    /// </summary>
    /// <param name="dim">The dim to sort along (negative counts from the end).</param>
    /// <param name="descending">Largest first.</param>
    /// <param name="stable">Keep the order of equal elements (always done).</param>
    public Tensor Argsort(int dim = -1, bool descending = false, bool stable = false) => Sort(dim, descending, stable).Indices;

    /// <summary>
    /// The <paramref name="k"/> largest (or, with <paramref name="largest"/> false, smallest) elements along
    /// <paramref name="dim"/> and their int64 positions (PyTorch's <c>topk</c>). NaN counts as larger than
    /// every number; among equal elements the first comes first. The results are always in order (which
    /// <paramref name="sorted"/> = false also allows). The gradient flows back to the positions the indices
    /// name. One call of the <c>topk</c> primitive.
    /// </summary>
    /// <param name="k">How many elements to keep, in [0, size of <paramref name="dim"/>].</param>
    /// <param name="dim">The dim to select along (negative counts from the end).</param>
    /// <param name="largest">The largest elements (otherwise the smallest).</param>
    /// <param name="sorted">Return them in order (always done).</param>
    public (Tensor Values, Tensor Indices) TopK(int k, int dim = -1, bool largest = true, bool sorted = true)
    {
        int d = ShapeUtil.NormalizeDim(dim, Rank, "topk");
        var outputs = SortingPrimitives.TopK.InvokeMany(
            Attributes.Of(("k", k), ("dim", d), ("largest", largest), ("sorted", sorted)), this);
        return (outputs[0], outputs[1]);
    }
}
