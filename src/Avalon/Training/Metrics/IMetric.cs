namespace Avalon.Training.Metrics;

/// <summary>
/// A metric accumulated over batches: <see cref="Update"/> once per batch, read the result, then
/// <see cref="Reset"/> before the next epoch.
/// </summary>
public interface IMetric
{
    /// <summary>A short name for logs and charts, for example <c>accuracy</c>.</summary>
    string Name { get; }

    /// <summary>Adds one batch.</summary>
    /// <param name="predictions">Scores <c>[N, C]</c> (logits, log-probabilities or probabilities) or class indices <c>[N]</c> (int32/int64).</param>
    /// <param name="targets">The true class indices <c>[N]</c> (int32/int64).</param>
    void Update(Tensor predictions, Tensor targets);

    /// <summary>Forgets everything added so far.</summary>
    void Reset();
}

/// <summary>A metric whose result is one number.</summary>
public interface IScalarMetric : IMetric
{
    /// <summary>The value over everything added since the last reset; NaN when nothing was added.</summary>
    double Compute();
}
