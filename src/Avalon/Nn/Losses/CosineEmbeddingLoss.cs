namespace Avalon.Nn;

/// <summary>
/// 1 − cos(x₁, x₂) for similar pairs (y = 1) and max(0, cos(x₁, x₂) − margin) for dissimilar ones
/// (y = −1) (PyTorch's <c>nn.CosineEmbeddingLoss</c>).
/// </summary>
/// <remarks><b>Shape:</b> inputs <c>[N, D]</c> and target <c>[N]</c> (or <c>[D]</c> and <c>[]</c>); output a
/// scalar, or <c>[N]</c> with Reduction.None.</remarks>
public class CosineEmbeddingLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="margin">The margin for dissimilar pairs, in [−1, 1] (default 0).</param>
    /// <param name="reduction">None, Mean (default) or Sum.</param>
    public CosineEmbeddingLoss(double margin = 0.0, Reduction reduction = Reduction.Mean)
        : base(reduction) => Margin = margin;

    /// <summary>The margin for dissimilar pairs.</summary>
    public double Margin { get; }

    /// <summary>Computes the loss; see <see cref="Functional.CosineEmbeddingLoss"/>.</summary>
    /// <param name="input1">x₁.</param>
    /// <param name="input2">x₂, of x₁'s shape.</param>
    /// <param name="target">Labels ±1.</param>
    public Tensor Forward(Tensor input1, Tensor input2, Tensor target) =>
        Functional.CosineEmbeddingLoss(input1, input2, target, Margin, Reduction);
}
