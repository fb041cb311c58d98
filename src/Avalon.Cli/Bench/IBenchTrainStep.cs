namespace Avalon.Cli.Bench;

/// <summary>
/// One training step as a model benchmark times it (gradients of the loss and the optimiser's update),
/// on a batch already drawn. The benchmark picks the implementation through <see cref="BenchTrainSteps"/>:
/// the compiled train step by default, the eager step with <c>--eager</c>.
/// </summary>
internal interface IBenchTrainStep
{
    /// <summary>How the step runs, for the JSON line ("eager", "compiled").</summary>
    string Path { get; }

    /// <summary>Seconds spent preparing (tracing, optimising, planning) so far; 0 for the eager step.</summary>
    double CompileSeconds { get; }

    /// <summary>Runs one step on <paramref name="batch"/> and returns the loss; laps the phases on <paramref name="timer"/>.</summary>
    Tensor Run(Tensor[] batch, PhaseTimer? timer);

    /// <summary>The compiled step's planned steps timed over <paramref name="runs"/> runs on <paramref name="batch"/> (they train); null for the eager step.</summary>
    IReadOnlyList<Compiler.Execution.StepTiming>? Profile(Tensor[] batch, int runs);
}
