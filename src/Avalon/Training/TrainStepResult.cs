namespace Avalon.Training;

/// <summary>
/// What one <see cref="TrainStep.Run(Tensor, Tensor)"/> returns: the batch's loss (a scalar) and the model's output for
/// it (for metrics). A compiled step's tensors live in its memory plan and are valid until the next run
/// (copy them with <c>Clone()</c> to keep them).
/// </summary>
/// <param name="Loss">The loss of the batch, before the update.</param>
/// <param name="Output">The model's output for the batch, before the update.</param>
public readonly record struct TrainStepResult(Tensor Loss, Tensor Output)
{
    /// <summary>Whether the optimiser's update was left out because the caller's check before the update refused it.</summary>
    public bool UpdateSkipped { get; init; }
}
