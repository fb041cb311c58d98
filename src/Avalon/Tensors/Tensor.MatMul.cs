using Avalon.Primitives;
using Avalon.Primitives.Linalg;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// Matrix product with PyTorch's <c>matmul</c> semantics: dot product for two 1-D tensors, matrix
    /// product for 2-D, and batched products with broadcast batch dims; a 1-D operand is treated as a row
    /// (left) or column (right) vector and that dim is removed from the result.
    /// </summary>
    public Tensor MatMul(Tensor other)
    {
        if (Rank == 0 || other.Rank == 0)
            throw OpErrors.Argument("matmul", $"both arguments need at least 1 dimension, got shapes {Shape} and {other.Shape}.");
        var a = Rank == 1 ? Unsqueeze(0) : this;
        var b = other.Rank == 1 ? other.Unsqueeze(-1) : other;
        var c = MatMulPrimitives.MatMul.Invoke(Attributes.Empty, a, b);
        if (other.Rank == 1) c = c.Squeeze(-1);
        if (Rank == 1) c = c.Squeeze(Rank == 1 && other.Rank == 1 ? 0 : -2);
        return c;
    }

    /// <summary>Matrix product of 2-D tensors (PyTorch's <c>mm</c>).</summary>
    public Tensor Mm(Tensor other)
    {
        if (Rank != 2 || other.Rank != 2)
            throw OpErrors.Argument("mm", $"expected 2-D tensors, got shapes {Shape} and {other.Shape}.");
        return MatMul(other);
    }

    /// <summary>Batched matrix product of 3-D tensors (PyTorch's <c>bmm</c>).</summary>
    public Tensor Bmm(Tensor other)
    {
        if (Rank != 3 || other.Rank != 3 || _shape[0] != other._shape[0])
            throw OpErrors.Argument("bmm", $"expected 3-D tensors with the same batch size, got shapes {Shape} and {other.Shape}.");
        return MatMul(other);
    }

    /// <summary>Dot product of two 1-D tensors.</summary>
    public Tensor Dot(Tensor other)
    {
        if (Rank != 1 || other.Rank != 1)
            throw OpErrors.Argument("dot", $"expected 1-D tensors, got shapes {Shape} and {other.Shape}.");
        return MatMul(other);
    }
}
