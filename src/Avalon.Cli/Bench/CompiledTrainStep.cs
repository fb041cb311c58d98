using System.Diagnostics;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training;

namespace Avalon.Cli.Bench;

/// <summary>
/// The compiled training step (<see cref="TrainStep"/>: forward, loss and backward as one optimised tape, then
/// the optimiser's multi-tensor update) on batches of <c>(input, target)</c> or <c>(input)</c> alone (the VAE,
/// whose target is its input). Its phases cannot be told apart, so the whole step is lapped as the
/// optimiser-step phase.
/// </summary>
internal sealed class CompiledTrainStep(Module model, Optimizer optimizer, BenchModelSpec spec) : IBenchTrainStep
{
    private readonly TrainStep _step = TrainStep.Compile(model, (input, target) =>
    {
        Tensor[] batch = ReferenceEquals(input, target) ? [input] : [input, target];
        var outputs = spec.Forward(model, batch);
        return new TrainStepResult(spec.Loss(outputs, batch), outputs[0]);
    }, optimizer);
    private double _firstRun;
    private double _secondRun = double.NaN;
    private int _runs;

    public string Path => "compiled";

    /// <summary>The first run (trace, passes, plan, kernel generation and the step itself) less a later run's time.</summary>
    public double CompileSeconds => _runs == 0 ? 0 : double.IsNaN(_secondRun) ? _firstRun : Math.Max(0, _firstRun - _secondRun);

    public Tensor Run(Tensor[] batch, PhaseTimer? timer)
    {
        long start = Stopwatch.GetTimestamp();
        TrainStepResult result = _step.Run(batch[0], batch.Length > 1 ? batch[1] : batch[0]);
        timer?.Lap(ModelBenchmark.StepPhase);
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (_runs == 0) _firstRun = seconds;
        else if (_runs == 1) _secondRun = seconds;
        _runs++;
        return result.Loss;
    }

    /// <summary>Every planned step of the batch's compiled tapes, timed (<see cref="TrainStep.Profile"/>).</summary>
    public IReadOnlyList<Compiler.Execution.StepTiming>? Profile(Tensor[] batch, int runs) =>
        _step.Profile(batch[0], batch.Length > 1 ? batch[1] : batch[0], runs);
}
