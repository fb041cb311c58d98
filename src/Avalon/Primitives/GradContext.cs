namespace Avalon.Primitives;

/// <summary>What a derivative rule sees of one primitive call.</summary>
public sealed class GradContext
{
    internal GradContext(Tensor[] inputs, Attributes attributes, Tensor output, Tensor gradOutput, bool[] needsGrad)
    {
        Inputs = inputs;
        Attributes = attributes;
        Output = output;
        GradOutput = gradOutput;
        NeedsInputGrad = needsGrad;
    }

    /// <summary>The call's inputs.</summary>
    public Tensor[] Inputs { get; }

    /// <summary>The call's attributes.</summary>
    public Attributes Attributes { get; }

    /// <summary>The call's output.</summary>
    public Tensor Output { get; }

    /// <summary>The gradient of the objective with respect to the output (same shape as the output).</summary>
    public Tensor GradOutput { get; }

    /// <summary>For each input, whether its gradient is wanted; a rule may return null where it is not.</summary>
    public bool[] NeedsInputGrad { get; }
}
