namespace Avalon.Nn;

/// <summary>The mean absolute error |x − y| (PyTorch's <c>nn.L1Loss</c>).</summary>
/// <remarks><b>Shape:</b> input and target of the same shape; output a scalar, or the input's shape with Reduction.None.</remarks>
public class L1Loss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">None, Mean (default) or Sum.</param>
    public L1Loss(Reduction reduction = Reduction.Mean)
        : base(reduction)
    {
    }

    /// <summary>Computes the loss; see <see cref="Functional.L1Loss"/>.</summary>
    /// <param name="input">The prediction.</param>
    /// <param name="target">The target, of the input's shape and dtype.</param>
    public Tensor Forward(Tensor input, Tensor target) => Functional.L1Loss(input, target, Reduction);
}
