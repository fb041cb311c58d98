namespace Avalon.Nn;

/// <summary>
/// max(0, −y·(x₁ − x₂) + margin): y = 1 asks x₁ to rank above x₂, y = −1 the reverse (PyTorch's
/// <c>nn.MarginRankingLoss</c>).
/// </summary>
/// <remarks><b>Shape:</b> x₁, x₂ and y of the same shape; output a scalar, or that shape with
/// Reduction.None.</remarks>
public class MarginRankingLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="margin">The margin (default 0).</param>
    /// <param name="reduction">None, Mean (default) or Sum.</param>
    public MarginRankingLoss(double margin = 0.0, Reduction reduction = Reduction.Mean)
        : base(reduction) => Margin = margin;

    /// <summary>The margin.</summary>
    public double Margin { get; }

    /// <summary>Computes the loss; see <see cref="Functional.MarginRankingLoss"/>.</summary>
    /// <param name="input1">x₁.</param>
    /// <param name="input2">x₂.</param>
    /// <param name="target">Labels ±1.</param>
    public Tensor Forward(Tensor input1, Tensor input2, Tensor target) =>
        Functional.MarginRankingLoss(input1, input2, target, Margin, Reduction);
}
