namespace Avalon.Nn;

/// <summary>
/// Binary cross entropy of logits, computed stably (PyTorch's <c>nn.BCEWithLogitsLoss</c>).
/// </summary>
/// <remarks><b>Shape:</b> input (logits) and target of the same shape; output a scalar, or the input's
/// shape with Reduction.None.</remarks>
public class BCEWithLogitsLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Optional weights broadcastable to the input's shape (a buffer).</param>
    /// <param name="reduction">None, Mean (default) or Sum.</param>
    /// <param name="posWeight">Optional weight of positive examples, broadcastable to the input's shape (a buffer).</param>
    public BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? posWeight = null)
        : base(reduction)
    {
        Weight = weight;
        PosWeight = posWeight;
    }

    /// <summary>The element weights, or null.</summary>
    [Buffer]
    public Tensor? Weight { get; set; }

    /// <summary>The weight of positive examples, or null.</summary>
    [Buffer]
    public Tensor? PosWeight { get; set; }

    /// <summary>Computes the loss; see <see cref="Functional.BinaryCrossEntropyWithLogits"/>.</summary>
    /// <param name="input">Logits.</param>
    /// <param name="target">Targets in [0, 1], of the input's shape and dtype.</param>
    public Tensor Forward(Tensor input, Tensor target) =>
        Functional.BinaryCrossEntropyWithLogits(input, target, Weight, Reduction, PosWeight);
}
