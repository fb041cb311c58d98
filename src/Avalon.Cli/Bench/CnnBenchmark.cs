using Avalon.Benchmarks.Models;
using Avalon.Nn;
using Avalon.Optim;

namespace Avalon.Benchmarks;

/// <summary>
/// The counterpart of torch_cnn.py: --model avalon (Avalon.jl's benchmark CNN) or lenet (the seed
/// README's CNN); NLL loss on log-softmax outputs; test accuracy after one epoch.
/// </summary>
internal sealed class CnnBenchmark : ModelBenchmark
{
    private string _model = "avalon";

    public override string Name => "cnn";

    public override string Summary => "Fashion-MNIST CNN, one epoch + prediction latency: [--model avalon|lenet] " + CommonOptions;

    protected override string ModelName => _model;

    protected override string BenchName => "avalon_cnn";

    protected override void ReadOptions(BenchArgs args)
    {
        _model = args.String("model", "avalon");
        if (_model is not ("avalon" or "lenet"))
            throw new ArgumentException($"--model must be avalon or lenet, got '{_model}'");
    }

    protected override Module CreateModel() => _model == "lenet" ? new LeNet() : new AvalonCnn();

    protected override Tensor PrepareImages(Tensor images) => images;

    protected override Tensor TrainStep(Module model, Optimizer optimizer, FashionTensors data, Tensor images, long[] order, int start,
        int batch, PhaseTimer? timer)
    {
        timer?.Start();
        Tensor x = FashionTensors.Batch(images, order, start, batch), y = FashionTensors.Batch(data.Labels, order, start, batch);
        timer?.Lap(BatchPhase);
        optimizer.ZeroGrad(setToNone: true);
        timer?.Lap(ZeroGradPhase);
        Tensor output = model.Forward(x);
        timer?.Lap(ForwardPhase);
        Tensor loss = Functional.NllLoss(output, y);
        timer?.Lap(LossPhase);
        loss.Backward();
        timer?.Lap(BackwardPhase);
        optimizer.Step();
        timer?.Lap(StepPhase);
        return loss;
    }

    protected override void Predict(Module model, Tensor images) => model.Forward(images);

    protected override (Dictionary<string, object> Fields, string Text) Evaluate(Module model, FashionTensors test, Tensor images)
    {
        long correct = 0;
        using (new Autodiff.NoGrad())
            for (int i = 0; i < test.Count; i += 1000)
            {
                int length = Math.Min(1000, test.Count - i);
                Tensor predicted = model.Forward(images.Narrow(0, i, length)).ArgMax(1);
                correct += predicted.Eq(test.Labels.Narrow(0, i, length)).To(DType.Int64).Sum().Item<long>();
            }

        double accuracy = (double)correct / test.Count;
        return (new Dictionary<string, object> { ["test_acc"] = accuracy },
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"test accuracy {accuracy * 100:F2} %"));
    }

    protected override Dictionary<string, object> LastLossFields(double lastLoss, int batch) =>
        new() { ["last_train_loss"] = lastLoss };
}
