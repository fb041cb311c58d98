using Avalon.Primitives;

namespace Avalon.Autodiff;

/// <summary>
/// A node of the eager autograd graph: the primitive call that produced a tensor requiring a gradient.
/// <see cref="Tensor.Backward"/> walks these nodes with the same derivative rules the tape uses.
/// </summary>
public sealed class GradNode
{
    internal GradNode(Primitive primitive, Attributes attributes, Tensor[] inputs, Tensor output)
    {
        Primitive = primitive;
        Attributes = attributes;
        Inputs = inputs;
        Output = output;
    }

    /// <summary>The primitive that was called.</summary>
    public Primitive Primitive { get; }

    /// <summary>The call's attributes.</summary>
    public Attributes Attributes { get; }

    /// <summary>The call's inputs.</summary>
    public Tensor[] Inputs { get; }

    /// <summary>The call's output (kept for rules that use it, such as exp's).</summary>
    public Tensor Output { get; }

    /// <inheritdoc />
    public override string ToString() => $"{Primitive.Name}Backward";
}
