using System.Globalization;
using Avalon.Autodiff;
using Avalon.Data;
using Avalon.Optim;
using Avalon.Samples.Common;

namespace Avalon.Samples.BetaVae;

/// <summary>Trains the β-VAE on Fashion-MNIST and draws reconstructions, samples and latent traversals.</summary>
public static class BetaVaeSample
{
    /// <summary>Runs the sample: <c>--quick</c>, <c>--epochs N</c>, <c>--beta X</c>, <c>--latent N</c>, <c>--full</c>, <c>--out DIR</c>, <c>--seed N</c>, <c>--threads N</c>.</summary>
    public static int Run(string[] args)
    {
        var o = new SampleArgs(args, Path.Combine("runs", "beta-vae"), ["epochs", "beta", "latent"], ["full"]);
        int epochs = o.Int("epochs", 20, 1);
        double beta = o.Double("beta", 4);
        Generator.ManualSeed(o.Seed);
        var data = FashionData.Load(o.Seed, o.Flag("full"), limit: o.Quick ? 200 : null);
        Console.WriteLine(data.Description);
        var model = new BetaVariationalAutoencoder(o.Int("latent", 10, 10));
        Console.WriteLine(model);
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        var noise = new Generator(o.Seed + 1);
        var shuffle = new Generator(o.Seed + 2);
        var c = CultureInfo.InvariantCulture;
        for (int epoch = 1; epoch <= epochs; epoch++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            model.Train();
            double total = 0;
            foreach (var batch in new DataLoader(data.Train, batchSize: 100, shuffle: true, generator: shuffle))
            {
                optimizer.ZeroGrad();
                var (bce, kl, _) = model.Terms(batch.Input, noise);
                var loss = (bce + beta * kl) / batch.Input.Size(0);
                loss.Backward();
                optimizer.Step();
                total += loss.Item() * batch.Input.Size(0);
            }
            var (vBce, vKl, _) = Evaluate(model, data.Validation, noise);
            Console.WriteLine(string.Create(c,
                $"epoch {epoch}/{epochs}: train loss/image {total / data.Train.Count:F1}  validation BCE {vBce:F1}  KL {vKl:F2}  ({watch.Elapsed.TotalSeconds:F1} s)"));
        }
        var (tBce, tKl, klPerDim) = Evaluate(model, data.Test, noise);
        Console.WriteLine(string.Create(c, $"test: reconstruction BCE/image {tBce:F1}, KL/image {tKl:F2}, β-ELBO/image {tBce + beta * tKl:F1}"));

        Directory.CreateDirectory(o.OutputDirectory);
        using (new NoGrad())
        {
            model.Eval();
            var picture = Path.Combine(o.OutputDirectory, "reconstructions-and-samples.png");
            Pictures.ReconstructionsAndSamples(data.Test, x => model.Decode(model.Encode(x).Mu),
                z => model.Decode(z), model.Latent, new Generator(o.Seed + 3), $"BETA-VAE (BETA {beta:0.#}) ON TEST IMAGES").Save(picture);
            Console.WriteLine($"picture: {picture}");
            var traversal = Path.Combine(o.OutputDirectory, "latent-traversal.png");
            Traversal(model, data.Test.Get(0).Input, klPerDim).Save(traversal);
            Console.WriteLine($"picture: {traversal} (one row per latent dimension, most informative first; columns z = -3 ... 3)");
        }
        return 0;
    }

    private static (double Bce, double Kl, double[] KlPerDimension) Evaluate(BetaVariationalAutoencoder model, IDataset data, Generator noise)
    {
        model.Eval();
        double bce = 0, kl = 0;
        var perDim = new double[model.Latent];
        using (new NoGrad())
            foreach (var batch in new DataLoader(data, batchSize: 500))
            {
                var (b, k, d) = model.Terms(batch.Input, noise);
                bce += b.Item();
                kl += k.Item();
                var dims = d.ToDoubleArray();
                for (int i = 0; i < dims.Length; i++) perDim[i] += dims[i] / data.Count;
            }
        return (bce / data.Count, kl / data.Count, perDim);
    }

    /// <summary>Rows: latent dimensions ordered by their mean KL; columns: the dimension set to −3 … 3 with the others at the image's posterior mean.</summary>
    private static ImageGrid Traversal(BetaVariationalAutoencoder model, Tensor image, double[] klPerDim)
    {
        const int columns = 9;
        var order = Enumerable.Range(0, model.Latent).OrderByDescending(i => klPerDim[i]).ToArray();
        var labels = order.Select(i => string.Create(CultureInfo.InvariantCulture, $"Z{i + 1} KL {klPerDim[i]:0.0}")).ToArray();
        var grid = new ImageGrid(columns, order.Length, 28, labels, "LATENT TRAVERSAL  Z = -3 ... 3", zoom: 1);
        var mu = model.Encode(image.Unsqueeze(0)).Mu.ToArray<float>();
        for (int row = 0; row < order.Length; row++)
        {
            var codes = new float[columns * model.Latent];
            for (int col = 0; col < columns; col++)
            {
                Array.Copy(mu, 0, codes, col * model.Latent, model.Latent);
                codes[col * model.Latent + order[row]] = -3f + 6f * col / (columns - 1);
            }
            var decoded = model.Decode(Tensor.From(codes, columns, model.Latent));
            for (int col = 0; col < columns; col++) grid.Put(row, col, decoded[col].ToArray<float>());
            grid.Label(row, labels[row]);
        }
        return grid;
    }
}
