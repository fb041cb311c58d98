using Avalon.Primitives;

namespace Avalon.Autodiff;

/// <summary>
/// A node of the eager autograd graph: the primitive call that produced tensors requiring a gradient.
/// <see cref="Tensor.Backward"/> walks these nodes with the same derivative rules the tape uses.
/// </summary>
/// <remarks>
/// Where each input's gradient goes (the node that produced it, or the leaf it is) is captured when the
/// call runs, so an in-place operation that later gives a tensor a new producer (PyTorch's history
/// rebasing) does not change where earlier calls send their gradients.
/// </remarks>
public sealed class GradNode
{
    internal GradNode(Primitive primitive, Attributes attributes, Tensor[] inputs, Tensor[] outputs, Tensor[]? edgeTensors = null)
    {
        Primitive = primitive;
        Attributes = attributes;
        Inputs = inputs;
        Outputs = outputs;
        edgeTensors ??= inputs;
        InputVersions = new int[inputs.Length];
        InputFns = new GradNode?[inputs.Length];
        InputFnOutputs = new int[inputs.Length];
        InputRequiresGrad = new bool[inputs.Length];
        Leaves = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            InputVersions[i] = inputs[i].Version;
            var t = edgeTensors[i];
            InputFns[i] = t.GradFn;
            InputFnOutputs[i] = t.GradFnOutput;
            InputRequiresGrad[i] = t.RequiresGrad;
            Leaves[i] = t;
        }
    }

    /// <summary>The primitive that was called.</summary>
    public Primitive Primitive { get; }

    /// <summary>The call's attributes.</summary>
    public Attributes Attributes { get; }

    /// <summary>The call's inputs (for an in-place call, the value its target had before it was written).</summary>
    public Tensor[] Inputs { get; }

    /// <summary>The call's first output (kept for rules that use it, such as exp's).</summary>
    public Tensor Output => Outputs[0];

    /// <summary>Every output of the call.</summary>
    public Tensor[] Outputs { get; }

    /// <summary>The version of each input's storage when the call ran (see <see cref="Tensor.Version"/>).</summary>
    internal int[] InputVersions { get; }

    /// <summary>For each input, the node that produced it when the call ran (null for a leaf).</summary>
    internal GradNode?[] InputFns { get; }

    /// <summary>For each input, which output of <see cref="InputFns"/> it was.</summary>
    internal int[] InputFnOutputs { get; }

    /// <summary>For each input, whether it required a gradient when the call ran.</summary>
    internal bool[] InputRequiresGrad { get; }

    /// <summary>For each input, the tensor a leaf gradient accumulates into.</summary>
    internal Tensor[] Leaves { get; }

    /// <summary>Whether the graph was already walked without <c>retainGraph</c> (its saved tensors released).</summary>
    internal bool Freed { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Primitive.Name}Backward";
}
