namespace Avalon.Training.Metrics;

/// <summary>Recall per class, <c>TP / (TP + FN)</c>, and its macro average (<see cref="ClassificationScore.Compute"/>).</summary>
/// <param name="numClasses">The number of classes.</param>
public sealed class Recall(int numClasses) : ClassificationScore(numClasses)
{
    /// <inheritdoc/>
    public override string Name => "recall";

    private protected override double Score(long truePositives, long falsePositives, long falseNegatives) =>
        Ratio(truePositives, truePositives + falseNegatives);
}
