namespace Avalon.Nn;

/// <summary>The mean squared error (x − y)² (PyTorch's <c>nn.MSELoss</c>).</summary>
/// <remarks><b>Shape:</b> input and target of the same shape; output a scalar, or the input's shape with Reduction.None.</remarks>
public class MSELoss : Loss
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">None, Mean (default) or Sum.</param>
    public MSELoss(Reduction reduction = Reduction.Mean)
        : base(reduction)
    {
    }

    /// <summary>Computes the loss; see <see cref="Functional.MseLoss"/>.</summary>
    /// <param name="input">The prediction.</param>
    /// <param name="target">The target, of the input's shape and dtype.</param>
    public Tensor Forward(Tensor input, Tensor target) => Functional.MseLoss(input, target, Reduction);
}
