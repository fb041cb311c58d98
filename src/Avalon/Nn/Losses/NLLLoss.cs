namespace Avalon.Nn;

/// <summary>
/// The negative log-likelihood of class-index targets given log-probabilities (PyTorch's
/// <c>nn.NLLLoss</c>); pair it with <see cref="LogSoftmax"/>.
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input <c>[C]</c>, <c>[N, C]</c> or <c>[N, C, d1, ...]</c>; target int64 of shape
/// <c>[]</c>, <c>[N]</c> or <c>[N, d1, ...]</c>; output a scalar, or the target's shape with Reduction.None.</para>
/// <para>Mean divides by the sum of the weights of the targets that are not ignored.</para>
/// </remarks>
public class NLLLoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="weight">Optional per-class weights of shape <c>[C]</c> (a buffer).</param>
    /// <param name="ignoreIndex">Targets equal to it contribute nothing (default −100).</param>
    /// <param name="reduction">None, Mean (default) or Sum.</param>
    public NLLLoss(Tensor? weight = null, int ignoreIndex = -100, Reduction reduction = Reduction.Mean)
        : base(reduction)
    {
        Weight = weight;
        IgnoreIndex = ignoreIndex;
    }

    /// <summary>The per-class weights, or null.</summary>
    [Buffer]
    public Tensor? Weight { get; set; }

    /// <summary>The target value that is ignored.</summary>
    public int IgnoreIndex { get; }

    /// <summary>Computes the loss; see <see cref="Functional.NllLoss"/>.</summary>
    /// <param name="input">Log-probabilities.</param>
    /// <param name="target">Class indices (int64).</param>
    public Tensor Forward(Tensor input, Tensor target) => Functional.NllLoss(input, target, Weight, IgnoreIndex, Reduction);
}
