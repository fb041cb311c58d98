using System.Globalization;
using Avalon.Autodiff;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Samples.Common;

namespace Avalon.Samples.UNet;

/// <summary>Trains the U-Net to remove Gaussian noise from Fashion-MNIST images.</summary>
public static class UNetSample
{
    /// <summary>Runs the sample: <c>--quick</c>, <c>--epochs N</c>, <c>--sigma X</c> (noise, default 0.3), <c>--full</c>, <c>--out DIR</c>, <c>--seed N</c>, <c>--threads N</c>.</summary>
    public static int Run(string[] args)
    {
        var o = new SampleArgs(args, Path.Combine("runs", "unet"), ["epochs", "sigma"], ["full"]);
        int epochs = o.Int("epochs", 3, 1);
        double sigma = o.Double("sigma", 0.3);
        Generator.ManualSeed(o.Seed);
        var data = FashionData.Load(o.Seed, o.Flag("full"), limit: o.Quick ? 64 : null);
        Console.WriteLine(data.Description);
        var model = new DenoisingUNet(o.Quick ? 8 : 16);
        Console.WriteLine(model);
        Console.WriteLine($"{model.ParameterCount:N0} parameters; {Threads.Count} threads");
        var optimizer = new Adam(model.Parameters(), lr: 2e-3);
        var noise = new Generator(o.Seed + 1);
        var shuffle = new Generator(o.Seed + 2);
        var c = CultureInfo.InvariantCulture;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            model.Train();
            double total = 0;
            int batches = 0;
            foreach (var batch in new DataLoader(data.Train, batchSize: 32, shuffle: true, generator: shuffle))
            {
                var n = Tensor.Randn(batch.Input.Shape.ToArray(), noise) * sigma;
                optimizer.ZeroGrad();
                var loss = Functional.MseLoss(model.Forward(batch.Input + n), n);
                loss.Backward();
                optimizer.Step();
                total += loss.Item();
                batches++;
            }
            var (noisyPsnr, denoisedPsnr) = Psnr(model, data.Validation, sigma, o.Seed + 3);
            Console.WriteLine(string.Create(c,
                $"epoch {epoch}/{epochs}: train noise MSE {total / batches:F4}  validation PSNR noisy {noisyPsnr:F2} dB → denoised {denoisedPsnr:F2} dB  ({watch.Elapsed.TotalSeconds:F0} s)"));
        }
        var (testNoisy, testDenoised) = Psnr(model, data.Test, sigma, o.Seed + 4);
        Console.WriteLine(string.Create(c, $"test PSNR (σ {sigma}): noisy {testNoisy:F2} dB, denoised {testDenoised:F2} dB"));

        Directory.CreateDirectory(o.OutputDirectory);
        using (new NoGrad())
        {
            model.Eval();
            var clean = FashionData.Images(data.Test, 8);
            var noisy = clean + Tensor.Randn(clean.Shape.ToArray(), new Generator(o.Seed + 5)) * sigma;
            var denoised = model.Denoise(noisy);
            var grid = new ImageGrid(8, 3, 28, ["CLEAN", "NOISY", "DENOISED"], string.Create(c, $"U-NET DENOISING, SIGMA {sigma:0.0#}"));
            for (int i = 0; i < clean.Size(0); i++)
            {
                grid.Put(0, i, clean[i].Reshape(784).ToArray<float>());
                grid.Put(1, i, noisy[i].Clamp(0, 1).Reshape(784).ToArray<float>());
                grid.Put(2, i, denoised[i].Reshape(784).ToArray<float>());
            }
            grid.Label(0, "CLEAN");
            grid.Label(1, "NOISY");
            grid.Label(2, "DENOISED");
            var picture = Path.Combine(o.OutputDirectory, "denoising.png");
            grid.Save(picture);
            Console.WriteLine($"picture: {picture} (rows: clean test images, with noise, denoised)");
        }
        return 0;
    }

    /// <summary>Mean PSNR (peak 1) of the noisy and the denoised images against the clean ones, noise drawn from <paramref name="seed"/>.</summary>
    private static (double Noisy, double Denoised) Psnr(DenoisingUNet model, IDataset data, double sigma, ulong seed)
    {
        model.Eval();
        var generator = new Generator(seed);
        double noisySum = 0, denoisedSum = 0;
        using (new NoGrad())
            foreach (var batch in new DataLoader(data, batchSize: 200))
            {
                var clean = batch.Input;
                var noisy = clean + Tensor.Randn(clean.Shape.ToArray(), generator) * sigma;
                noisySum += PsnrSum(noisy.Clamp(0, 1), clean);
                denoisedSum += PsnrSum(model.Denoise(noisy), clean);
            }
        return (noisySum / data.Count, denoisedSum / data.Count);
    }

    private static double PsnrSum(Tensor estimate, Tensor clean)
    {
        var mse = (estimate - clean).Square().Mean([1, 2, 3]).ToDoubleArray();
        return mse.Sum(m => 10 * Math.Log10(1 / Math.Max(m, 1e-10)));
    }
}
