using Avalon.Primitives.Elementwise;
using P = Avalon.Primitives.Attributes;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>Elementwise logical and of bool tensors with broadcasting (<c>torch.logical_and</c>).</summary>
    public Tensor LogicalAnd(Tensor other) => LogicalPrimitives.And.Invoke(P.Empty, this, other);

    /// <summary>Elementwise logical or of bool tensors with broadcasting (<c>torch.logical_or</c>).</summary>
    public Tensor LogicalOr(Tensor other) => LogicalPrimitives.Or.Invoke(P.Empty, this, other);

    /// <summary>Elementwise logical exclusive or of bool tensors with broadcasting (<c>torch.logical_xor</c>).</summary>
    public Tensor LogicalXor(Tensor other) => LogicalPrimitives.Xor.Invoke(P.Empty, this, other);

    /// <summary>Elementwise logical not of a bool tensor (<c>torch.logical_not</c>).</summary>
    public Tensor LogicalNot() => LogicalPrimitives.Not.Invoke(P.Empty, this);

    /// <summary>Logical and of bool tensors.</summary>
    public static Tensor operator &(Tensor a, Tensor b) => a.LogicalAnd(b);

    /// <summary>Logical or of bool tensors.</summary>
    public static Tensor operator |(Tensor a, Tensor b) => a.LogicalOr(b);

    /// <summary>Logical exclusive or of bool tensors.</summary>
    public static Tensor operator ^(Tensor a, Tensor b) => a.LogicalXor(b);

    /// <summary>Logical not of a bool tensor.</summary>
    public static Tensor operator !(Tensor a) => a.LogicalNot();

    /// <summary>Logical not of a bool tensor (PyTorch's <c>~mask</c>).</summary>
    public static Tensor operator ~(Tensor a) => a.LogicalNot();
}
