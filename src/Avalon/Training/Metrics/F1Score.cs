namespace Avalon.Training.Metrics;

/// <summary>
/// F1 per class, the harmonic mean of precision and recall <c>2·TP / (2·TP + FP + FN)</c>, and its
/// macro average (<see cref="ClassificationScore.Compute"/>; the mean of per-class F1, not the F1 of
/// mean precision and recall).
/// </summary>
/// <param name="numClasses">The number of classes.</param>
public sealed class F1Score(int numClasses) : ClassificationScore(numClasses)
{
    /// <inheritdoc/>
    public override string Name => "f1";

    private protected override double Score(long truePositives, long falsePositives, long falseNegatives) =>
        Ratio(2 * truePositives, 2 * truePositives + falsePositives + falseNegatives);
}
