using Avalon.Cli.Bench.Models;
using Avalon.Nn;

namespace Avalon.Cli.Bench;

/// <summary>
/// The counterpart of torch_vae.py: the 784-500-5 VAE on flattened images, loss BCE(sum) + KLD; the test
/// loss per image after training. Prediction is the full forward pass, sampling included.
/// </summary>
internal sealed class VaeBenchmark : ModelBenchmark
{
    protected override string ModelName => "vae784-500-5";

    protected override string BenchName => "avalon_vae";

    protected override BenchModelSpec Spec { get; } = new(
        (m, batch) => Outputs(((BenchVae)m).Run(batch[0])),
        (outputs, batch) => BenchVae.Loss(outputs[0], batch[0], outputs[1], outputs[2]));

    /// <summary>μ: the reconstruction depends on the random draw, μ does not.</summary>
    protected override int CheckedPredictionOutput => 1;

    protected override Module CreateModel() => new BenchVae();

    protected override Tensor PrepareImages(Tensor images) => images.Reshape(-1, 784);

    private Tensor? _imageBatch;

    protected override Tensor[] DrawBatch(FashionTensors data, Tensor images, long[] order, int start, int batch) =>
        [FashionTensors.Batch(images, order, start, batch, ref _imageBatch)];

    protected override Tensor[] Predict(Module model, Tensor images) => Outputs(((BenchVae)model).Run(images));

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

    private static Tensor[] Outputs((Tensor Reconstruction, Tensor Mu, Tensor LogVar) run) => [run.Reconstruction, run.Mu, run.LogVar];
}
