namespace Avalon.Nn;

/// <summary>The Kullback–Leibler divergence of log-probabilities (use Reduction.BatchMean for the true KL divergence per sample) (PyTorch's <c>nn.KLDivLoss</c>).</summary>
/// <remarks><b>Shape:</b> input (log-probabilities) and target of the same shape; output a scalar, or the input's shape with Reduction.None.</remarks>
public class KLDivLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">None, Mean (default) or Sum (or BatchMean).</param>
    /// <param name="logTarget">Whether the target holds log-probabilities (default false).</param>
    public KLDivLoss(Reduction reduction = Reduction.Mean, bool logTarget = false)
        : base(reduction)
    {
        LogTarget = logTarget;
    }

    /// <summary>Whether the target holds log-probabilities (default false).</summary>
    public bool LogTarget { get; }

    /// <summary>Computes the loss; see <see cref="Functional.KlDiv"/>.</summary>
    /// <param name="input">The prediction.</param>
    /// <param name="target">The target, of the input's shape and dtype.</param>
    public Tensor Forward(Tensor input, Tensor target) => Functional.KlDiv(input, target, Reduction, LogTarget);
}
