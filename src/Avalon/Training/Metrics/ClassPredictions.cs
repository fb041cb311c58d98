namespace Avalon.Training.Metrics;

/// <summary>Turns metric inputs into plain arrays of class indices, with the checks every metric needs.</summary>
internal static class ClassPredictions
{
    /// <summary>The true class of each sample, checked to lie in <c>[0, numClasses)</c> when <paramref name="numClasses"/> is given.</summary>
    public static long[] Targets(Tensor targets, string metric, int? numClasses = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        if (targets.Rank != 1 || !targets.DType.IsInteger())
            throw OpErrors.Argument(metric, $"expected targets of class indices with shape [N] and dtype int64 or int32, got shape {targets.Shape} ({targets.DType.Name()}).", nameof(targets));
        var values = targets.DType == DType.Int64 ? targets.ToArray<long>() : Array.ConvertAll(targets.ToArray<int>(), v => (long)v);
        if (numClasses is int c)
        {
            for (int i = 0; i < values.Length; i++)
            {
                if ((ulong)values[i] >= (ulong)c)
                    throw OpErrors.Argument(metric, $"target {values[i]} at position {i} is outside [0, {c}).", nameof(targets));
            }
        }
        return values;
    }

    /// <summary>The predicted class of each sample: the arg-max of scores <c>[N, C]</c>, or integer indices <c>[N]</c> as they are.</summary>
    public static long[] Predicted(Tensor predictions, int batch, string metric, int? numClasses = null)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        long[] result;
        if (predictions.Rank == 2 && predictions.DType.IsFloatingPoint())
        {
            if (numClasses is int c && predictions.Size(1) != c)
                throw OpErrors.Argument(metric, $"expected scores [N, {c}] for {c} classes, got shape {predictions.Shape}.", nameof(predictions));
            result = ArgMaxRows(predictions);
        }
        else if (predictions.Rank == 1 && predictions.DType.IsInteger())
        {
            result = Targets(predictions, metric, numClasses);
        }
        else
        {
            throw OpErrors.Argument(
                metric, $"expected predictions as float scores [N, C] or integer class indices [N], got shape {predictions.Shape} ({predictions.DType.Name()}).", nameof(predictions));
        }
        if (result.Length != batch)
            throw OpErrors.Argument(metric, $"predictions (shape {predictions.Shape}) and targets ({batch} samples) disagree on the batch size.", nameof(predictions));
        return result;
    }

    /// <summary>Scores <c>[N, C]</c> as doubles, checked against the number of targets.</summary>
    public static (double[] Scores, int Classes) Scores(Tensor predictions, int batch, string metric)
    {
        ArgumentNullException.ThrowIfNull(predictions);
        if (predictions.Rank != 2 || !predictions.DType.IsFloatingPoint())
            throw OpErrors.Argument(metric, $"expected float scores [N, C], got shape {predictions.Shape} ({predictions.DType.Name()}).", nameof(predictions));
        if (predictions.Size(0) != batch)
            throw OpErrors.Argument(metric, $"predictions (shape {predictions.Shape}) and targets ({batch} samples) disagree on the batch size.", nameof(predictions));
        return (predictions.ToDoubleArray(), predictions.Size(1));
    }

    /// <summary>The index of the largest score in each row; the first one on ties, and NaN counts as largest (like <c>torch.argmax</c>).</summary>
    private static long[] ArgMaxRows(Tensor scores)
    {
        int n = scores.Size(0), c = scores.Size(1);
        if (c == 0 && n > 0)
            throw OpErrors.Argument("argmax", $"cannot take the arg-max of rows with no classes (shape {scores.Shape}).");
        var values = scores.ToDoubleArray();
        var result = new long[n];
        for (int i = 0; i < n; i++)
        {
            int row = i * c, best = 0;
            for (int j = 1; j < c && !double.IsNaN(values[row + best]); j++)
            {
                double v = values[row + j];
                if (v > values[row + best] || double.IsNaN(v)) best = j;
            }
            result[i] = best;
        }
        return result;
    }
}
