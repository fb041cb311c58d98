using Avalon.Cli.Bench.Models;
using Avalon.Compiler;
using Avalon.Nn;

namespace Avalon.Cli.Bench;

/// <summary>
/// The counterpart of torch_cnn.py: --model avalon (Avalon.jl's benchmark CNN) or lenet (the seed
/// README's CNN); NLL loss on log-softmax outputs; test accuracy after training. Compiled prediction is
/// <see cref="Compiler.Compiler.Compile(Module, CompileOptions?, bool)"/> of the model.
/// </summary>
internal sealed class CnnBenchmark(string model) : ModelBenchmark
{
    protected override string ModelName => model;

    protected override string BenchName => "avalon_cnn";

    protected override BenchModelSpec Spec { get; } = new(
        (m, batch) => [m.Forward(batch[0])],
        (outputs, batch) => Functional.NllLoss(outputs[0], batch[1]));

    protected override Module CreateModel() => model == "lenet" ? new LeNet() : new AvalonCnn();

    protected override Tensor PrepareImages(Tensor images) => images;

    private Tensor? _imageBatch, _labelBatch;

    protected override Tensor[] DrawBatch(FashionTensors data, Tensor images, long[] order, int start, int batch) =>
        [FashionTensors.Batch(images, order, start, batch, ref _imageBatch), FashionTensors.Batch(data.Labels, order, start, batch, ref _labelBatch)];

    protected override Tensor[] Predict(Module m, Tensor images) => [m.Forward(images)];

    protected override CompiledFunction CompilePrediction(Module m) => Compiler.Compiler.Compile(m);

    protected override (Dictionary<string, object> Fields, string Text) Evaluate(Module m, FashionTensors test, Tensor images)
    {
        long correct = 0;
        using (new Autodiff.NoGrad())
            for (int i = 0; i < test.Count; i += 1000)
            {
                int length = Math.Min(1000, test.Count - i);
                Tensor predicted = m.Forward(images.Narrow(0, i, length)).ArgMax(1);
                correct += predicted.Eq(test.Labels.Narrow(0, i, length)).To(DType.Int64).Sum().Item<long>();
            }

        double accuracy = (double)correct / test.Count;
        return (new Dictionary<string, object> { ["test_acc"] = accuracy },
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"test accuracy {accuracy * 100:F2} %"));
    }

    protected override Dictionary<string, object> LastLossFields(double lastLoss, int batch) =>
        new() { ["last_train_loss"] = lastLoss };
}
