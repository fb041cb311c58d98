namespace Avalon.Training.Metrics;

/// <summary>
/// The shared machinery of <see cref="Precision"/>, <see cref="Recall"/> and <see cref="F1Score"/>:
/// a confusion matrix, a per-class score, and its macro average.
/// </summary>
/// <remarks>
/// A class whose score has a zero denominator scores 0 (torchmetrics' and scikit-learn's
/// <c>zero_division=0</c>). The macro average is the plain mean over the classes that occur among the
/// targets or the predictions; classes that never occur are left out, as scikit-learn does.
/// </remarks>
public abstract class ClassificationScore : IScalarMetric
{
    private protected ClassificationScore(int numClasses) => Matrix = new ConfusionMatrix(numClasses);

    /// <summary>The counts the score is computed from.</summary>
    public ConfusionMatrix Matrix { get; }

    /// <summary>The number of classes.</summary>
    public int NumClasses => Matrix.NumClasses;

    /// <inheritdoc/>
    public abstract string Name { get; }

    /// <inheritdoc/>
    public void Update(Tensor predictions, Tensor targets) => Matrix.Update(predictions, targets);

    /// <inheritdoc/>
    public void Reset() => Matrix.Reset();

    /// <summary>The macro average over the classes that occur; NaN when nothing was added.</summary>
    public double Compute()
    {
        var (tp, fp, fn) = Matrix.PerClassCounts();
        var scores = ComputePerClass();
        double sum = 0;
        int counted = 0;
        for (int c = 0; c < NumClasses; c++)
        {
            if (tp[c] + fp[c] + fn[c] == 0) continue;
            sum += scores[c];
            counted++;
        }
        return counted == 0 ? double.NaN : sum / counted;
    }

    /// <summary>The score of each class, indexed by class.</summary>
    public double[] ComputePerClass()
    {
        var (tp, fp, fn) = Matrix.PerClassCounts();
        var result = new double[NumClasses];
        for (int c = 0; c < NumClasses; c++) result[c] = Score(tp[c], fp[c], fn[c]);
        return result;
    }

    private protected static double Ratio(long numerator, long denominator) => denominator == 0 ? 0 : (double)numerator / denominator;

    private protected abstract double Score(long truePositives, long falsePositives, long falseNegatives);
}
