namespace Avalon.Training.Charts;

/// <summary>The results of one epoch: training loss, and optionally accuracy and validation results.</summary>
/// <param name="Epoch">The epoch number (1-based by convention).</param>
/// <param name="TrainLoss">The mean training loss.</param>
/// <param name="TrainAccuracy">The training accuracy in [0, 1], or <see langword="null"/>.</param>
/// <param name="ValidationLoss">The validation loss, or <see langword="null"/>.</param>
/// <param name="ValidationAccuracy">The validation accuracy in [0, 1], or <see langword="null"/>.</param>
public sealed record EpochRecord(int Epoch, double TrainLoss, double? TrainAccuracy = null, double? ValidationLoss = null, double? ValidationAccuracy = null);
