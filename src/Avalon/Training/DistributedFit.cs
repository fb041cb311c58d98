using Avalon.Data;
using Avalon.Training.Metrics;

namespace Avalon.Training;

/// <summary>
/// The distributed parts of <c>Fit</c> (see <see cref="IDistributedContext"/>): one instance per run, or
/// none when the model is not wrapped for data-parallel training.
/// </summary>
internal sealed class DistributedFit(IDistributedContext context)
{
    public IDistributedContext Context { get; } = context;

    public bool IsMainProcess => Context.Rank == 0;

    public static DistributedFit? For(Nn.Module model) =>
        model is IDistributedModule { DistributedContext: { WorldSize: > 1 } context } ? new DistributedFit(context) : null;

    /// <summary>The seed of the shared shuffle: the options' seed, else one draw of their generator (the same on every process when seeded alike), else 0 (as PyTorch's sampler).</summary>
    public static ulong ShuffleSeed(FitOptions options) =>
        options.Seed ?? (options.Generator is { } g ? unchecked((ulong)g.NextSeed().Item<long>()) : 0UL);

    /// <summary>Whether any process says yes.</summary>
    public bool Any(bool mine)
    {
        var flag = new[] { mine ? 1.0 : 0.0 };
        Context.SumAcross(flag);
        return flag[0] > 0;
    }

    /// <summary>The mean loss and scalar metrics over every process's samples (each process's values weighted by its sample count).</summary>
    public (double Loss, Dictionary<string, double> Metrics) Reduce(double lossSum, long samples, Dictionary<string, double> metrics)
    {
        var names = metrics.Keys.ToArray();
        var values = new double[2 + names.Length];
        values[0] = samples > 0 ? lossSum : 0;
        values[1] = samples;
        for (int i = 0; i < names.Length; i++)
            values[2 + i] = samples > 0 && double.IsFinite(metrics[names[i]]) ? metrics[names[i]] * samples : 0;
        Context.SumAcross(values);
        var reduced = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < names.Length; i++) reduced[names[i]] = values[2 + i] / values[1];
        return (values[0] / values[1], reduced);
    }

    public EvaluationResult Evaluate(Nn.Module model, Func<Tensor, Tensor, Tensor> loss, IDataset validation, int batchSize, bool prefetch,
        IReadOnlyList<IMetric> metrics, CancellationToken token, string operation)
    {
        var shard = Context.EvaluationShard(validation);
        var local = shard.Count > 0
            ? EvaluationLoop.Run(model, loss, new DataLoader(shard, batchSize, prefetch: prefetch), metrics, token, operation)
            : new EvaluationResult(double.NaN, new Dictionary<string, double>(), 0);
        var localMetrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var m in metrics)
            if (m is IScalarMetric s) localMetrics[s.Name] = local.Metrics.TryGetValue(s.Name, out double v) ? v : double.NaN;
        var (meanLoss, reduced) = Reduce(local.Loss * local.Samples, local.Samples, localMetrics);
        return new EvaluationResult(meanLoss, reduced, validation.Count);
    }
}
