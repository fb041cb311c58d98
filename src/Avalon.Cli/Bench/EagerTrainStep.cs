using Avalon.Nn;
using Avalon.Optim;

namespace Avalon.Cli.Bench;

/// <summary>The step a PyTorch user writes: zero the gradients, forward, loss, <c>Backward()</c>, <c>Step()</c>.</summary>
internal sealed class EagerTrainStep(Module model, Optimizer optimizer, BenchModelSpec spec) : IBenchTrainStep
{
    public string Path => "eager";

    public double CompileSeconds => 0;

    public Tensor Run(Tensor[] batch, PhaseTimer? timer)
    {
        optimizer.ZeroGrad(setToNone: true);
        timer?.Lap(ModelBenchmark.ZeroGradPhase);
        Tensor[] outputs = spec.Forward(model, batch);
        timer?.Lap(ModelBenchmark.ForwardPhase);
        Tensor loss = spec.Loss(outputs, batch);
        timer?.Lap(ModelBenchmark.LossPhase);
        loss.Backward();
        timer?.Lap(ModelBenchmark.BackwardPhase);
        optimizer.Step();
        timer?.Lap(ModelBenchmark.StepPhase);
        return loss;
    }

    /// <summary>The eager step has no plan to profile.</summary>
    public IReadOnlyList<Compiler.Execution.StepTiming>? Profile(Tensor[] batch, int runs) => null;
}
