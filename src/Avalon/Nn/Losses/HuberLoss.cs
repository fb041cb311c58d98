namespace Avalon.Nn;

/// <summary>The Huber loss: quadratic below δ, linear (slope δ) above (PyTorch's <c>nn.HuberLoss</c>).</summary>
/// <remarks><b>Shape:</b> input and target of the same shape; output a scalar, or the input's shape with Reduction.None.</remarks>
public class HuberLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">None, Mean (default) or Sum.</param>
    /// <param name="delta">δ &gt; 0, where the loss turns from quadratic to linear (default 1).</param>
    public HuberLoss(Reduction reduction = Reduction.Mean, double delta = 1.0)
        : base(reduction)
    {
        Delta = delta;
    }

    /// <summary>δ &gt; 0, where the loss turns from quadratic to linear (default 1).</summary>
    public double Delta { get; }

    /// <summary>Computes the loss; see <see cref="Functional.HuberLoss"/>.</summary>
    /// <param name="input">The prediction.</param>
    /// <param name="target">The target, of the input's shape and dtype.</param>
    public Tensor Forward(Tensor input, Tensor target) => Functional.HuberLoss(input, target, Reduction, Delta);
}
