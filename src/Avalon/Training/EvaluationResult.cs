using System.Globalization;

namespace Avalon.Training;

/// <summary>What <c>Evaluate</c> returns: the mean loss and each metric over a dataset.</summary>
/// <param name="Loss">The mean loss over the samples (each batch's loss weighted by its size).</param>
/// <param name="Metrics">Each scalar metric's value by name (for example <c>accuracy</c>).</param>
/// <param name="Samples">The number of samples evaluated.</param>
public sealed record EvaluationResult(double Loss, IReadOnlyDictionary<string, double> Metrics, long Samples)
{
    /// <summary>The value of the metric named <paramref name="name"/>, or the loss for <c>loss</c>.</summary>
    /// <param name="name">A metric name or <c>loss</c>.</param>
    /// <exception cref="KeyNotFoundException">No such metric was evaluated.</exception>
    public double this[string name] => name == "loss" ? Loss
        : Metrics.TryGetValue(name, out double value) ? value
        : throw new KeyNotFoundException($"EvaluationResult: no metric named '{name}'; evaluated: loss{(Metrics.Count > 0 ? ", " + string.Join(", ", Metrics.Keys) : "")}.");

    /// <inheritdoc/>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var parts = new List<string> { string.Create(c, $"loss {Loss:0.0000}") };
        foreach (var (name, value) in Metrics) parts.Add(string.Create(c, $"{name} {value:0.0000}"));
        return string.Join("  ", parts) + string.Create(c, $"  ({Samples} samples)");
    }
}
