namespace Avalon.Training.Metrics;

/// <summary>
/// The fraction of samples whose target is among the <see cref="K"/> highest scores. A target tied
/// with the k-th score counts as a hit (fewer than k classes score strictly higher).
/// </summary>
public sealed class TopKAccuracy : IScalarMetric
{
    private long _correct;
    private long _total;

    /// <summary>Creates the metric.</summary>
    /// <param name="k">How many of the highest scores count; at least 1.</param>
    public TopKAccuracy(int k)
    {
        if (k < 1) throw OpErrors.OutOfRange("TopKAccuracy", nameof(k), k, $"k must be at least 1, got {k}.");
        K = k;
    }

    /// <summary>How many of the highest scores count as a hit.</summary>
    public int K { get; }

    /// <inheritdoc/>
    public string Name => $"top{K}_accuracy";

    /// <inheritdoc/>
    /// <param name="predictions">Scores <c>[N, C]</c> with <c>C ≥ k</c>.</param>
    /// <param name="targets">The true class indices <c>[N]</c>.</param>
    public void Update(Tensor predictions, Tensor targets)
    {
        var t = ClassPredictions.Targets(targets, $"TopKAccuracy(k={K})");
        var (scores, classes) = ClassPredictions.Scores(predictions, t.Length, $"TopKAccuracy(k={K})");
        if (classes < K)
            throw new ArgumentException($"TopKAccuracy(k={K}): expected at least {K} classes, got scores of shape {predictions.Shape}.", nameof(predictions));
        long correct = 0;
        for (int i = 0; i < t.Length; i++)
        {
            if ((ulong)t[i] >= (ulong)classes)
                throw new ArgumentException($"TopKAccuracy(k={K}): target {t[i]} at position {i} is outside [0, {classes}).", nameof(targets));
            int row = i * classes;
            double target = scores[row + (int)t[i]];
            int higher = 0;
            for (int j = 0; j < classes; j++)
            {
                if (scores[row + j] > target) higher++;
            }
            if (higher < K && !double.IsNaN(target)) correct++;
        }
        _correct += correct;
        _total += t.Length;
    }

    /// <inheritdoc/>
    public double Compute() => _total == 0 ? double.NaN : (double)_correct / _total;

    /// <inheritdoc/>
    public void Reset() => (_correct, _total) = (0, 0);
}
