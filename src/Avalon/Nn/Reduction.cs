namespace Avalon.Nn;

/// <summary>How a loss combines its per-element values (PyTorch's <c>reduction</c> argument).</summary>
public enum Reduction
{
    /// <summary>No reduction: the loss has one value per element (or per sample).</summary>
    None,

    /// <summary>The mean of the per-element losses (for weighted class losses: divided by the sum of the weights).</summary>
    Mean,

    /// <summary>The sum of the per-element losses.</summary>
    Sum,

    /// <summary>
    /// The sum divided by the batch size (the size of dim 0). Only <see cref="Functional.KlDiv"/> accepts
    /// it, where it gives the true KL divergence per sample (PyTorch's <c>reduction="batchmean"</c>).
    /// </summary>
    BatchMean,
}
