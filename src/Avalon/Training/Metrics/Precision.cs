namespace Avalon.Training.Metrics;

/// <summary>Precision per class, <c>TP / (TP + FP)</c>, and its macro average (<see cref="ClassificationScore.Compute"/>).</summary>
/// <param name="numClasses">The number of classes.</param>
public sealed class Precision(int numClasses) : ClassificationScore(numClasses)
{
    /// <inheritdoc/>
    public override string Name => "precision";

    private protected override double Score(long truePositives, long falsePositives, long falseNegatives) =>
        Ratio(truePositives, truePositives + falsePositives);
}
