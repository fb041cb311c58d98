namespace Avalon.Training;

/// <summary>The results of one training epoch, as recorded in a <see cref="TrainingHistory"/>.</summary>
/// <param name="Epoch">The epoch number, 1-based.</param>
/// <param name="TrainLoss">The mean training loss over the epoch's samples (each batch's loss weighted by its size).</param>
/// <param name="Metrics">The training metrics by name (for example <c>accuracy</c>), accumulated over the epoch.</param>
/// <param name="ValidationLoss">The mean loss on the validation data after the epoch, or <see langword="null"/> without validation data.</param>
/// <param name="ValidationMetrics">The metrics on the validation data by name (empty without validation data).</param>
/// <param name="LearningRate">The learning rate of the first parameter group at the start of the epoch.</param>
/// <param name="Duration">The wall-clock time of the epoch, validation included.</param>
/// <param name="Logs">Every value under its log name (<c>loss</c>, <c>accuracy</c>, <c>val_loss</c>, <c>val_accuracy</c>, <c>lr</c>, and entries added by callbacks).</param>
public sealed record EpochResult(
    int Epoch,
    double TrainLoss,
    IReadOnlyDictionary<string, double> Metrics,
    double? ValidationLoss,
    IReadOnlyDictionary<string, double> ValidationMetrics,
    double LearningRate,
    TimeSpan Duration,
    IReadOnlyDictionary<string, double> Logs)
{
    /// <summary>
    /// The training steps of the epoch whose update was skipped because their loss or a gradient was
    /// not finite (with <see cref="FitOptions.OnNonFinite"/> = <see cref="NonFiniteAction.Skip"/>; 0 otherwise).
    /// </summary>
    public int SkippedSteps { get; init; }
}
