using Avalon.Nn;
using Avalon.Optim;

namespace Avalon.Cli.Bench;

/// <summary>
/// Chooses how a model benchmark runs its training steps: <c>--eager</c> forces the eager step; the
/// default is the compiled path where one exists for training, and the eager step until then (the JSON
/// line's <c>path.train</c> says which ran).
/// </summary>
internal static class BenchTrainSteps
{
    /// <summary>The training step for <paramref name="model"/> with <paramref name="optimizer"/>.</summary>
    public static IBenchTrainStep Create(Module model, Optimizer optimizer, BenchModelSpec spec, bool eager) =>
        // The compiled training step goes here (not eager): a class implementing IBenchTrainStep over it.
        new EagerTrainStep(model, optimizer, spec);
}
