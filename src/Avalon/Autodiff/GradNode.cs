using Avalon.Primitives;

namespace Avalon.Autodiff;

/// <summary>
/// A node of the eager autograd graph: the primitive call that produced tensors requiring a gradient.
/// <see cref="Tensor.Backward"/> walks these nodes with the same derivative rules the tape uses.
/// </summary>
public sealed class GradNode
{
    internal GradNode(Primitive primitive, Attributes attributes, Tensor[] inputs, Tensor[] outputs)
    {
        Primitive = primitive;
        Attributes = attributes;
        Inputs = inputs;
        Outputs = outputs;
        InputVersions = new int[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) InputVersions[i] = inputs[i].Version;
    }

    /// <summary>The primitive that was called.</summary>
    public Primitive Primitive { get; }

    /// <summary>The call's attributes.</summary>
    public Attributes Attributes { get; }

    /// <summary>The call's inputs.</summary>
    public Tensor[] Inputs { get; }

    /// <summary>The call's first output (kept for rules that use it, such as exp's).</summary>
    public Tensor Output => Outputs[0];

    /// <summary>Every output of the call.</summary>
    public Tensor[] Outputs { get; }

    /// <summary>The version of each input's storage when the call ran (see <see cref="Tensor.Version"/>).</summary>
    internal int[] InputVersions { get; }

    /// <summary>Whether the graph was already walked without <c>retainGraph</c> (its saved tensors released).</summary>
    internal bool Freed { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Primitive.Name}Backward";
}
