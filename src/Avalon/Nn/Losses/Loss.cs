namespace Avalon.Nn;

/// <summary>
/// The base of the loss modules (PyTorch's <c>_Loss</c>): holds the <see cref="Reduction"/>. Each loss
/// adds its own <c>Forward</c> with its inputs (usually <c>Forward(input, target)</c>).
/// </summary>
public abstract class Loss : Module
{
    /// <summary>Creates the loss.</summary>
    /// <param name="reduction">How the per-element losses are combined.</param>
    protected Loss(Reduction reduction) => Reduction = reduction;

    /// <summary>How the per-element losses are combined (None, Mean or Sum).</summary>
    public Reduction Reduction { get; }
}
