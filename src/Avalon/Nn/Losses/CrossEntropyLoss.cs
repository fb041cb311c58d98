namespace Avalon.Nn;

/// <summary>
/// Cross entropy between logits and class-index or class-probability targets (PyTorch's
/// <c>nn.CrossEntropyLoss</c>): log_softmax over the class dim followed by the negative log-likelihood.
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input <c>[C]</c>, <c>[N, C]</c> or <c>[N, C, d1, ...]</c>; target int64 class
/// indices of shape <c>[]</c>, <c>[N]</c> or <c>[N, d1, ...]</c>, or probabilities of the input's shape;
/// output a scalar, or the target's shape (without the class dim) with Reduction.None.</para>
/// <para>With class indices, Mean divides by the sum of the weights of the targets that are not ignored.</para>
/// </remarks>
public class CrossEntropyLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Optional per-class weights of shape <c>[C]</c> (a buffer).</param>
    /// <param name="ignoreIndex">Class-index targets equal to it contribute nothing (default −100).</param>
    /// <param name="reduction">None, Mean (default) or Sum.</param>
    /// <param name="labelSmoothing">ε in [0, 1]: the target is mixed with the uniform distribution (default 0).</param>
    public CrossEntropyLoss(Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0.0)
        : base(reduction)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1))
            throw OpErrors.Argument("CrossEntropyLoss", $"label_smoothing must be between 0.0 and 1.0, got {labelSmoothing}.", nameof(labelSmoothing));
        Weight = weight;
        IgnoreIndex = ignoreIndex;
        LabelSmoothing = labelSmoothing;
    }

    /// <summary>The per-class weights, or null.</summary>
    [Buffer]
    public Tensor? Weight { get; set; }

    /// <summary>The target value that is ignored.</summary>
    public int IgnoreIndex { get; }

    /// <summary>The label smoothing ε.</summary>
    public double LabelSmoothing { get; }

    /// <summary>Computes the loss; see <see cref="Functional.CrossEntropy"/>.</summary>
    /// <param name="input">Logits.</param>
    /// <param name="target">Class indices (int64) or class probabilities.</param>
    public Tensor Forward(Tensor input, Tensor target) =>
        Functional.CrossEntropy(input, target, Weight, IgnoreIndex, Reduction, LabelSmoothing);
}
