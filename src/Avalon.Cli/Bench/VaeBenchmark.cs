using Avalon.Benchmarks.Models;
using Avalon.Nn;
using Avalon.Optim;

namespace Avalon.Benchmarks;

/// <summary>
/// The counterpart of torch_vae.py: the 784-500-5 VAE on flattened images, loss BCE(sum) + KLD; the test
/// loss per image after one epoch. Prediction is the full forward pass, sampling included.
/// </summary>
internal sealed class VaeBenchmark : ModelBenchmark
{
    public override string Name => "vae";

    public override string Summary => "Fashion-MNIST VAE 784-500-5, one epoch + prediction latency: " + CommonOptions;

    protected override string ModelName => "vae784-500-5";

    protected override string BenchName => "avalon_vae";

    protected override Module CreateModel() => new BenchVae();

    protected override Tensor PrepareImages(Tensor images) => images.Reshape(-1, 784);

    protected override Tensor TrainStep(Module model, Optimizer optimizer, FashionTensors data, Tensor images, long[] order, int start,
        int batch, PhaseTimer? timer)
    {
        var vae = (BenchVae)model;
        timer?.Start();
        Tensor x = FashionTensors.Batch(images, order, start, batch);
        timer?.Lap(BatchPhase);
        optimizer.ZeroGrad(setToNone: true);
        timer?.Lap(ZeroGradPhase);
        var (reconstruction, mu, logVar) = vae.Run(x);
        timer?.Lap(ForwardPhase);
        Tensor loss = BenchVae.Loss(reconstruction, x, mu, logVar);
        timer?.Lap(LossPhase);
        loss.Backward();
        timer?.Lap(BackwardPhase);
        optimizer.Step();
        timer?.Lap(StepPhase);
        return loss;
    }

    protected override void Predict(Module model, Tensor images) => ((BenchVae)model).Run(images);

    protected override (Dictionary<string, object> Fields, string Text) Evaluate(Module model, FashionTensors test, Tensor images)
    {
        var vae = (BenchVae)model;
        double total = 0;
        using (new Autodiff.NoGrad())
            for (int i = 0; i < test.Count; i += 1000)
            {
                Tensor x = images.Narrow(0, i, Math.Min(1000, test.Count - i));
                var (reconstruction, mu, logVar) = vae.Run(x);
                total += BenchVae.Loss(reconstruction, x, mu, logVar).Item();
            }

        double perImage = total / test.Count;
        return (new Dictionary<string, object> { ["test_loss_per_img"] = perImage },
            string.Create(System.Globalization.CultureInfo.InvariantCulture, $"test loss per image {perImage:F1}"));
    }

    protected override Dictionary<string, object> LastLossFields(double lastLoss, int batch) =>
        new() { ["last_train_loss_per_img"] = lastLoss / batch };
}
