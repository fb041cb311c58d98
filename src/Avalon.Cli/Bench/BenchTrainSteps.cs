using Avalon.Nn;
using Avalon.Optim;

namespace Avalon.Cli.Bench;

/// <summary>
/// Chooses how a model benchmark runs its training steps: <c>--eager</c> forces the eager step; the
/// default is the compiled train step for models trained as <c>loss(model(x), y)</c> (the CNNs), and the
/// eager step for the others (the VAE); the JSON line's <c>path.train</c> says which ran.
/// </summary>
internal static class BenchTrainSteps
{
    /// <summary>The training step for <paramref name="model"/> with <paramref name="optimizer"/>.</summary>
    public static IBenchTrainStep Create(Module model, Optimizer optimizer, BenchModelSpec spec, bool eager) =>
        !eager && spec.SupervisedLoss is { } loss
            ? new CompiledTrainStep(model, optimizer, loss)
            : new EagerTrainStep(model, optimizer, spec);
}
