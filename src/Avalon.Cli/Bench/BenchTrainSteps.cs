using Avalon.Nn;
using Avalon.Optim;

namespace Avalon.Cli.Bench;

/// <summary>
/// Chooses how a model benchmark runs its training steps: the compiled train step by default, the eager
/// step with <c>--eager</c>; the JSON line's <c>path.train</c> says which ran.
/// </summary>
internal static class BenchTrainSteps
{
    /// <summary>The training step for <paramref name="model"/> with <paramref name="optimizer"/>.</summary>
    public static IBenchTrainStep Create(Module model, Optimizer optimizer, BenchModelSpec spec, bool eager) =>
        eager ? new EagerTrainStep(model, optimizer, spec) : new CompiledTrainStep(model, optimizer, spec);
}
