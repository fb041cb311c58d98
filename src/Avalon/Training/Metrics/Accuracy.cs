namespace Avalon.Training.Metrics;

/// <summary>The fraction of samples whose predicted class (arg-max of the scores) is the target.</summary>
public sealed class Accuracy : IScalarMetric
{
    private long _correct;
    private long _total;

    /// <inheritdoc/>
    public string Name => "accuracy";

    /// <summary>The number of correctly classified samples so far.</summary>
    public long Correct => _correct;

    /// <summary>The number of samples so far.</summary>
    public long Total => _total;

    /// <inheritdoc/>
    public void Update(Tensor predictions, Tensor targets)
    {
        var t = ClassPredictions.Targets(targets, "Accuracy");
        var p = ClassPredictions.Predicted(predictions, t.Length, "Accuracy");
        long correct = 0;
        for (int i = 0; i < t.Length; i++)
        {
            if (p[i] == t[i]) correct++;
        }
        _correct += correct;
        _total += t.Length;
    }

    /// <inheritdoc/>
    public double Compute() => _total == 0 ? double.NaN : (double)_correct / _total;

    /// <inheritdoc/>
    public void Reset() => (_correct, _total) = (0, 0);
}
