namespace Avalon.Nn;

/// <summary>
/// Binary cross entropy of probabilities (PyTorch's <c>nn.BCELoss</c>); each log is clamped at −100.
/// Prefer <see cref="BCEWithLogitsLoss"/> on logits, which is numerically stable.
/// </summary>
/// <remarks><b>Shape:</b> input (probabilities in [0, 1]) and target of the same shape; output a scalar,
/// or the input's shape with Reduction.None.</remarks>
public class BCELoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Optional weights broadcastable to the input's shape (a buffer).</param>
    /// <param name="reduction">None, Mean (default) or Sum.</param>
    public BCELoss(Tensor? weight = null, Reduction reduction = Reduction.Mean)
        : base(reduction) => Weight = weight;

    /// <summary>The element weights, or null.</summary>
    [Buffer]
    public Tensor? Weight { get; set; }

    /// <summary>Computes the loss; see <see cref="Functional.BinaryCrossEntropy"/>.</summary>
    /// <param name="input">Probabilities.</param>
    /// <param name="target">Targets in [0, 1], of the input's shape and dtype.</param>
    public Tensor Forward(Tensor input, Tensor target) => Functional.BinaryCrossEntropy(input, target, Weight, Reduction);
}
