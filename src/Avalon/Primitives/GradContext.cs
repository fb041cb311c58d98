namespace Avalon.Primitives;

/// <summary>What a derivative rule sees of one primitive call.</summary>
public sealed class GradContext
{
    private readonly Tensor?[] _gradOutputs;

    internal GradContext(Tensor[] inputs, Attributes attributes, Tensor[] outputs, Tensor?[] gradOutputs, bool[] needsGrad)
    {
        Inputs = inputs;
        Attributes = attributes;
        Outputs = outputs;
        _gradOutputs = gradOutputs;
        NeedsInputGrad = needsGrad;
    }

    /// <summary>The call's inputs.</summary>
    public Tensor[] Inputs { get; }

    /// <summary>The call's attributes.</summary>
    public Attributes Attributes { get; }

    /// <summary>The call's first (for most primitives, only) output.</summary>
    public Tensor Output => Outputs[0];

    /// <summary>Every output of the call.</summary>
    public Tensor[] Outputs { get; }

    /// <summary>
    /// The gradient of the objective with respect to the first output (same shape as the output; zeros
    /// when no gradient reached it but one reached another output).
    /// </summary>
    public Tensor GradOutput => GradOutputOrZeros(0);

    /// <summary>
    /// The gradient with respect to each output, null where none reached that output (its value did not
    /// influence the objective, or it is not differentiable, like max-pool's indices).
    /// </summary>
    public IReadOnlyList<Tensor?> GradOutputs => _gradOutputs;

    /// <summary>The gradient with respect to output <paramref name="k"/>, zeros of its shape when none reached it.</summary>
    public Tensor GradOutputOrZeros(int k) => _gradOutputs[k] ??= Tensor.ZerosLike(Outputs[k]);

    /// <summary>For each input, whether its gradient is wanted; a rule may return null where it is not.</summary>
    public bool[] NeedsInputGrad { get; }
}
