using Avalon.Primitives;
using Avalon.Primitives.Views;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// A view of the diagonal formed by <paramref name="dim1"/> and <paramref name="dim2"/> (PyTorch's <c>diagonal</c>):
    /// those dims are removed and the diagonal becomes the last dim. <paramref name="offset"/> &gt; 0 takes a diagonal
    /// above the main one, &lt; 0 below.
    /// </summary>
    public Tensor Diagonal(int offset = 0, int dim1 = 0, int dim2 = 1)
    {
        if (Rank < 2) throw OpErrors.Argument("diagonal", $"expected a tensor of at least 2 dimensions, got shape {Shape}.");
        int d1 = ShapeUtil.NormalizeDim(dim1, Rank, "diagonal"), d2 = ShapeUtil.NormalizeDim(dim2, Rank, "diagonal");
        if (d1 == d2) throw OpErrors.Argument("diagonal", $"diagonal dimensions cannot be identical ({dim1}, {dim2}).");
        return DiagonalPrimitives.Diagonal.Invoke(Attributes.Of(("offset", offset), ("dim1", d1), ("dim2", d2)), this);
    }

    /// <summary>
    /// Places the last dim of this tensor on the diagonal of new dims <paramref name="dim1"/> and <paramref name="dim2"/>
    /// of a zero tensor (PyTorch's <c>diag_embed</c>); the inverse of <see cref="Diagonal"/>.
    /// </summary>
    public Tensor DiagEmbed(int offset = 0, int dim1 = -2, int dim2 = -1)
    {
        if (Rank == 0) throw OpErrors.Argument("diag_embed", "expected a tensor of at least 1 dimension, got a 0-dimensional tensor.");
        int rank = Rank + 1;
        int d1 = ShapeUtil.NormalizeDim(dim1, rank, "diag_embed"), d2 = ShapeUtil.NormalizeDim(dim2, rank, "diag_embed");
        if (d1 == d2) throw OpErrors.Argument("diag_embed", $"diagonal dimensions cannot be identical ({dim1}, {dim2}).");
        int n = _shape[^1] + Math.Abs(offset);
        var shape = new int[rank];
        for (int d = 0, k = 0; d < rank; d++) shape[d] = d == d1 || d == d2 ? n : _shape[k++];
        return DiagonalPrimitives.DiagonalBackward.Invoke(
            Attributes.Of(("shape", shape), ("offset", offset), ("dim1", d1), ("dim2", d2)), this);
    }

    /// <summary>
    /// PyTorch's <c>diag</c>: a vector becomes a square matrix with it on diagonal <paramref name="diagonal"/>; a
    /// matrix gives that diagonal as a vector.
    /// </summary>
    public Tensor Diag(int diagonal = 0) => Rank switch
    {
        1 => DiagEmbed(diagonal),
        2 => Diagonal(diagonal),
        _ => throw OpErrors.Argument("diag", $"expected a 1-D or 2-D tensor, got shape {Shape}."),
    };
}
