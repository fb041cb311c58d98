namespace Avalon.Nn;

/// <summary>The smooth L1 loss: quadratic below β, linear above (PyTorch's <c>nn.SmoothL1Loss</c>).</summary>
/// <remarks><b>Shape:</b> input and target of the same shape; output a scalar, or the input's shape with Reduction.None.</remarks>
public class SmoothL1Loss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">None, Mean (default) or Sum.</param>
    /// <param name="beta">β ≥ 0, where the loss turns from quadratic to linear (default 1).</param>
    public SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0)
        : base(reduction)
    {
        Beta = beta;
    }

    /// <summary>β ≥ 0, where the loss turns from quadratic to linear (default 1).</summary>
    public double Beta { get; }

    /// <summary>Computes the loss; see <see cref="Functional.SmoothL1Loss"/>.</summary>
    /// <param name="input">The prediction.</param>
    /// <param name="target">The target, of the input's shape and dtype.</param>
    public Tensor Forward(Tensor input, Tensor target) => Functional.SmoothL1Loss(input, target, Reduction, Beta);
}
