namespace Avalon.Cli.Bench;

/// <summary>
/// One training step as a model benchmark times it (gradients of the loss and the optimiser's update),
/// on a batch already drawn. The benchmark picks the implementation through <see cref="BenchTrainSteps"/>:
/// the eager step now; the compiled train step is the one to add there.
/// </summary>
internal interface IBenchTrainStep
{
    /// <summary>How the step runs, for the JSON line ("eager", "compiled").</summary>
    string Path { get; }

    /// <summary>Seconds spent preparing (tracing, optimising, planning) so far; 0 for the eager step.</summary>
    double CompileSeconds { get; }

    /// <summary>Runs one step on <paramref name="batch"/> and returns the loss; laps the phases on <paramref name="timer"/>.</summary>
    Tensor Run(Tensor[] batch, PhaseTimer? timer);
}
