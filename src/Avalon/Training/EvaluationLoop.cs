using Avalon.Autodiff;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Training.Metrics;

namespace Avalon.Training;

/// <summary>The loop behind <c>Evaluate</c> and <c>Fit</c>'s validation: evaluation mode, no gradients, loss and metrics over every batch.</summary>
internal static class EvaluationLoop
{
    /// <param name="model">The model.</param>
    /// <param name="loss">The loss.</param>
    /// <param name="loader">The batches.</param>
    /// <param name="metrics">The metrics (reset first).</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <param name="operation">The caller's name, for errors.</param>
    /// <param name="forward">The model's forward to use (Fit's compiled one, kept across epochs); null: the eager forward.</param>
    public static EvaluationResult Run(Module model, Func<Tensor, Tensor, Tensor> loss, DataLoader loader, IReadOnlyList<IMetric> metrics, CancellationToken cancellationToken, string operation,
        CompiledInference? forward = null)
    {
        using var mode = TrainingModeScope.Eval(model);
        using var noGrad = new NoGrad();
        foreach (var metric in metrics) metric.Reset();
        var device = BatchInputs.DeviceOf(model);
        double sum = 0;
        long samples = 0;
        foreach (var batch in loader.WithCancellation(cancellationToken))
        {
            var (input, target) = BatchInputs.Split(batch, device);
            var output = forward is null ? model.Forward(input) : forward.Forward(input);
            var value = loss(output, target);
            BatchInputs.CheckLoss(value, operation);
            sum += value.Item() * batch.Size;
            samples += batch.Size;
            foreach (var metric in metrics) metric.Update(output, target);
        }
        return new EvaluationResult(samples == 0 ? double.NaN : sum / samples, ScalarValues(metrics), samples);
    }

    /// <summary>The current value of each scalar metric by name.</summary>
    public static Dictionary<string, double> ScalarValues(IReadOnlyList<IMetric> metrics)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var metric in metrics)
            if (metric is IScalarMetric scalar) values[scalar.Name] = scalar.Compute();
        return values;
    }

    /// <summary>Checks that metric names are distinct and do not collide with the names the loop logs itself.</summary>
    public static void CheckNames(IReadOnlyList<IMetric> metrics, string operation)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < metrics.Count; i++)
        {
            var metric = metrics[i] ?? throw new ArgumentNullException(nameof(metrics), $"{operation}: metric {i} is null.");
            string name = metric.Name;
            if (string.IsNullOrEmpty(name) || name is "loss" or "lr" || name.StartsWith("val_", StringComparison.Ordinal))
                throw OpErrors.Argument(operation, $"metric {i} ({metric.GetType().Name}) is named '{name}'; metric names must be non-empty and not 'loss', 'lr' or start with 'val_'.", nameof(metrics));
            if (!seen.Add(name))
                throw OpErrors.Argument(operation, $"two metrics are named '{name}'; their values would overwrite each other in the logs. Give each metric a distinct name.", nameof(metrics));
        }
    }
}
