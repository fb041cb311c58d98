// Trains the benchmark VAE (784-500-5, BCE + KLD, Adam 1e-3) on Fashion-MNIST and writes a labelled
// picture of test originals, their reconstructions, and samples from the prior.
//
//   dotnet run -c Release --project samples/Vae [-- --full] [--quick] [--epochs N] [--seed N] [--out DIR]
using System.Globalization;
using Avalon.Autodiff;
using Avalon.Data;
using Avalon.Optim;
using Avalon.Samples.Common;

namespace Avalon.Samples.Vae;

/// <summary>Trains the benchmark VAE and draws its picture.</summary>
public static class VaeSample
{
    /// <summary>Runs the sample: <c>--quick</c>, <c>--epochs N</c>, <c>--full</c>, <c>--out DIR</c>, <c>--seed N</c>, <c>--threads N</c>.</summary>
    public static int Run(string[] args)
    {
        var o = new SampleArgs(args, Path.Combine("runs", "vae"), ["epochs"], ["full"]);
        bool full = o.Flag("full");
        int epochs = o.Int("epochs", full ? 3 : 10, 1);
        Generator.ManualSeed(o.Seed);
        var data = FashionData.Load(o.Seed, full, limit: o.Quick ? 200 : null);
        Console.WriteLine(data.Description);

        var model = new VariationalAutoencoder();
        Console.WriteLine(model);
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        var noise = new Generator(o.Seed + 1);
        var shuffle = new Generator(o.Seed + 2);

        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            model.Train();
            double total = 0;
            var watch = System.Diagnostics.Stopwatch.StartNew();
            foreach (var batch in new DataLoader(data.Train, batchSize: 100, shuffle: true, generator: shuffle))
            {
                optimizer.ZeroGrad();
                var (recon, mu, logVar) = model.Forward(batch.Input, noise);
                var loss = VariationalAutoencoder.Loss(recon, batch.Input, mu, logVar);
                loss.Backward();
                optimizer.Step();
                total += loss.Item();
            }
            double validationLoss = Evaluate(model, data.Validation, noise);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"epoch {epoch}/{epochs}: train loss per image {total / data.Train.Count:F1}, validation loss per image {validationLoss:F1} ({watch.Elapsed.TotalSeconds:F1} s)"));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"test loss per image: {Evaluate(model, data.Test, noise):F1}"));

        Directory.CreateDirectory(o.OutputDirectory);
        using (new NoGrad())
        {
            model.Eval();
            var picture = Path.Combine(o.OutputDirectory, "vae-reconstructions-and-samples.png");
            Pictures.ReconstructionsAndSamples(data.Test, x => model.Decode(model.Encode(x.Reshape(-1, 784)).Mu), model.Decode, 5,
                new Generator(o.Seed + 3), "VAE ON TEST IMAGES").Save(picture);
            Console.WriteLine($"picture: {picture} (rows: test originals, their reconstructions, samples from the prior)");
        }
        return 0;
    }

    private static double Evaluate(VariationalAutoencoder model, IDataset data, Generator noise)
    {
        model.Eval();
        double total = 0;
        using (new NoGrad())
            foreach (var batch in new DataLoader(data, batchSize: 500))
            {
                var (recon, mu, logVar) = model.Forward(batch.Input, noise);
                total += VariationalAutoencoder.Loss(recon, batch.Input, mu, logVar).Item();
            }
        return total / data.Count;
    }
}
