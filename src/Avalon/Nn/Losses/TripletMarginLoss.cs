namespace Avalon.Nn;

/// <summary>
/// max(d(a, p) − d(a, n) + margin, 0) with d the p-norm distance (PyTorch's <c>nn.TripletMarginLoss</c>).
/// </summary>
/// <remarks><b>Shape:</b> anchor, positive and negative <c>[N, D]</c> (or <c>[D]</c>); output a scalar, or
/// <c>[N]</c> with Reduction.None.</remarks>
public class TripletMarginLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="margin">The margin (default 1).</param>
    /// <param name="p">The norm degree (default 2).</param>
    /// <param name="eps">Added to the differences before the norm (default 1e-6).</param>
    /// <param name="swap">Whether to use the distance swap min(d(a, n), d(p, n)) (default false).</param>
    /// <param name="reduction">None, Mean (default) or Sum.</param>
    public TripletMarginLoss(double margin = 1.0, double p = 2.0, double eps = 1e-6, bool swap = false, Reduction reduction = Reduction.Mean)
        : base(reduction)
    {
        Margin = margin;
        P = p;
        Eps = eps;
        Swap = swap;
    }

    /// <summary>The margin.</summary>
    public double Margin { get; }

    /// <summary>The norm degree.</summary>
    public double P { get; }

    /// <summary>Added to the differences before the norm.</summary>
    public double Eps { get; }

    /// <summary>Whether the distance swap is used.</summary>
    public bool Swap { get; }

    /// <summary>Computes the loss; see <see cref="Functional.TripletMarginLoss"/>.</summary>
    /// <param name="anchor">a.</param>
    /// <param name="positive">p, of a's shape.</param>
    /// <param name="negative">n, of a's shape.</param>
    public Tensor Forward(Tensor anchor, Tensor positive, Tensor negative) =>
        Functional.TripletMarginLoss(anchor, positive, negative, Margin, P, Eps, Swap, Reduction);
}
