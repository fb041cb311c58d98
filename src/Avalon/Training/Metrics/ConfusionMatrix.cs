using System.Globalization;
using System.Text;

namespace Avalon.Training.Metrics;

/// <summary>
/// Counts of (true class, predicted class) pairs: entry <c>[t, p]</c> is the number of samples of
/// class <c>t</c> predicted as <c>p</c> (rows are true classes, columns predictions, as in
/// scikit-learn and torchmetrics).
/// </summary>
public sealed class ConfusionMatrix : IMetric
{
    private readonly long[,] _counts;
    private readonly string[]? _classNames;

    /// <summary>Creates an empty matrix.</summary>
    /// <param name="numClasses">The number of classes; at least 1.</param>
    /// <param name="classNames">Names for the table printed by <see cref="ToString"/>, one per class; <see langword="null"/> for indices only.</param>
    public ConfusionMatrix(int numClasses, IReadOnlyList<string>? classNames = null)
    {
        if (numClasses < 1)
            throw OpErrors.OutOfRange("ConfusionMatrix", nameof(numClasses), numClasses, $"num_classes must be at least 1, got {numClasses}.");
        if (classNames is not null && classNames.Count != numClasses)
            throw OpErrors.Argument("ConfusionMatrix", $"{classNames.Count} class names given for {numClasses} classes.", nameof(classNames));
        NumClasses = numClasses;
        _counts = new long[numClasses, numClasses];
        _classNames = classNames?.ToArray();
    }

    /// <summary>The number of classes.</summary>
    public int NumClasses { get; }

    /// <inheritdoc/>
    public string Name => "confusion_matrix";

    /// <summary>The count of samples of true class <paramref name="target"/> predicted as <paramref name="predicted"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A class outside [0, <see cref="NumClasses"/>).</exception>
    public long this[int target, int predicted]
    {
        get
        {
            if ((uint)target >= (uint)NumClasses)
                throw OpErrors.OutOfRange("ConfusionMatrix", nameof(target), target, $"target class {target} is outside [0, {NumClasses}).");
            if ((uint)predicted >= (uint)NumClasses)
                throw OpErrors.OutOfRange("ConfusionMatrix", nameof(predicted), predicted, $"predicted class {predicted} is outside [0, {NumClasses}).");
            return _counts[target, predicted];
        }
    }

    /// <inheritdoc/>
    public void Update(Tensor predictions, Tensor targets)
    {
        var t = ClassPredictions.Targets(targets, "ConfusionMatrix", NumClasses);
        var p = ClassPredictions.Predicted(predictions, t.Length, "ConfusionMatrix", NumClasses);
        for (int i = 0; i < t.Length; i++) _counts[t[i], p[i]]++;
    }

    /// <summary>A copy of the counts, <c>[true class, predicted class]</c>.</summary>
    public long[,] Compute() => (long[,])_counts.Clone();

    /// <inheritdoc/>
    public void Reset() => Array.Clear(_counts);

    /// <summary>The number of samples counted.</summary>
    public long Total
    {
        get
        {
            long total = 0;
            foreach (long c in _counts) total += c;
            return total;
        }
    }

    /// <summary>True positives, false positives and false negatives of each class.</summary>
    internal (long[] TruePositives, long[] FalsePositives, long[] FalseNegatives) PerClassCounts()
    {
        int n = NumClasses;
        long[] tp = new long[n], fp = new long[n], fn = new long[n];
        for (int t = 0; t < n; t++)
        {
            for (int p = 0; p < n; p++)
            {
                long c = _counts[t, p];
                if (t == p) tp[t] += c;
                else
                {
                    fn[t] += c;
                    fp[p] += c;
                }
            }
        }
        return (tp, fp, fn);
    }

    /// <summary>The matrix as a text table, rows true classes and columns predicted classes.</summary>
    public override string ToString()
    {
        int n = NumClasses;
        var rowLabels = new string[n];
        for (int i = 0; i < n; i++)
        {
            rowLabels[i] = _classNames is null ? i.ToString(CultureInfo.InvariantCulture) : $"{i} {_classNames[i]}";
        }
        const string corner = "true \\ predicted";
        int labelWidth = Math.Max(corner.Length, rowLabels.Max(l => l.Length));
        int cellWidth = Math.Max(n - 1, 0).ToString(CultureInfo.InvariantCulture).Length;
        foreach (long c in _counts) cellWidth = Math.Max(cellWidth, c.ToString(CultureInfo.InvariantCulture).Length);

        var sb = new StringBuilder();
        sb.Append(corner.PadRight(labelWidth));
        for (int p = 0; p < n; p++) sb.Append("  ").Append(p.ToString(CultureInfo.InvariantCulture).PadLeft(cellWidth));
        sb.AppendLine();
        for (int t = 0; t < n; t++)
        {
            sb.Append(rowLabels[t].PadRight(labelWidth));
            for (int p = 0; p < n; p++) sb.Append("  ").Append(_counts[t, p].ToString(CultureInfo.InvariantCulture).PadLeft(cellWidth));
            sb.AppendLine();
        }
        return sb.ToString();
    }
}
