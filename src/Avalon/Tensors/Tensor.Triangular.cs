using Avalon.Primitives;
using Avalon.Primitives.Indexing;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// The lower triangle of the last two dims: elements (i, j) with j ≤ i + <paramref name="diagonal"/> are
    /// kept, the rest set to zero (PyTorch's <c>tril</c>).
    /// </summary>
    public Tensor Tril(int diagonal = 0) => TriangularPrimitives.Tril.Invoke(Attributes.Of(("diagonal", diagonal)), this);

    /// <summary>
    /// The upper triangle of the last two dims: elements (i, j) with j ≥ i + <paramref name="diagonal"/> are
    /// kept, the rest set to zero (PyTorch's <c>triu</c>).
    /// </summary>
    public Tensor Triu(int diagonal = 0) => TriangularPrimitives.Triu.Invoke(Attributes.Of(("diagonal", diagonal)), this);
}
