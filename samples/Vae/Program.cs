// Trains the benchmark VAE (784-500-5, BCE + KLD, Adam 1e-3) on Fashion-MNIST and writes a picture of
// test reconstructions and of samples from the prior.
//
//   dotnet run -c Release --project samples/Vae [-- --full] [--epochs N] [--seed N] [--out DIR]
using System.Globalization;
using Avalon;
using Avalon.Autodiff;
using Avalon.Data;
using Avalon.Data.Transforms;
using Avalon.Optim;
using Avalon.Samples.Vae;

bool full = args.Contains("--full");
int epochs = ArgValue("--epochs") is { } e ? int.Parse(e, CultureInfo.InvariantCulture) : full ? 3 : 10;
ulong seed = ArgValue("--seed") is { } s ? ulong.Parse(s, CultureInfo.InvariantCulture) : 1;
string outDir = ArgValue("--out") ?? Path.Combine("runs", "vae");

Generator.ManualSeed(seed);
var load = new DatasetLoadOptions { UseEmbeddedSample = !full, FallBackToEmbeddedSample = false };
var train = new FashionMnistDataset(DatasetSplit.Train, options: load);
var test = new FashionMnistDataset(DatasetSplit.Test, options: load);
Console.WriteLine($"Data source: {train.Source} ({train.SourceDescription}; test: {test.Count} images)");

var model = new VariationalAutoencoder();
Console.WriteLine(model);
var optimizer = new Adam(model.Parameters(), lr: 1e-3);
var noise = new Generator(seed + 1);
var shuffle = new Generator(seed + 2);

for (int epoch = 1; epoch <= epochs; epoch++)
{
    model.Train();
    double total = 0;
    var watch = System.Diagnostics.Stopwatch.StartNew();
    foreach (var batch in new DataLoader(train, batchSize: 100, shuffle: true, generator: shuffle))
    {
        optimizer.ZeroGrad();
        var (recon, mu, logVar) = model.Forward(batch.Input, noise);
        var loss = VariationalAutoencoder.Loss(recon, batch.Input, mu, logVar);
        loss.Backward();
        optimizer.Step();
        total += loss.Item();
    }
    double testLoss = 0;
    model.Eval();
    using (new NoGrad())
        foreach (var batch in new DataLoader(test, batchSize: 500))
        {
            var (recon, mu, logVar) = model.Forward(batch.Input, noise);
            testLoss += VariationalAutoencoder.Loss(recon, batch.Input, mu, logVar).Item();
        }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"epoch {epoch}/{epochs}: train loss per image {total / train.Count:F1}, test loss per image {testLoss / test.Count:F1} ({watch.Elapsed.TotalSeconds:F1} s)"));
}

// Picture: 8 test images (row 1), their reconstructions (row 2), and 16 samples from the prior (rows 3-4).
Directory.CreateDirectory(outDir);
using (new NoGrad())
{
    var images = Tensor.Stack(Enumerable.Range(0, 8).Select(i => test.Get(i).Input.Reshape(784)).ToArray());
    var (mu, _) = model.Encode(images);
    var reconstructions = model.Decode(mu);
    var samples = model.Decode(Tensor.Randn([16, 5], new Generator(seed + 3)));
    var grid = new ImageGrid(columns: 8, rows: 4, cell: 28);
    for (int i = 0; i < 8; i++)
    {
        grid.Put(0, i, images[i].ToArray<float>());
        grid.Put(1, i, reconstructions[i].ToArray<float>());
    }
    for (int i = 0; i < 16; i++) grid.Put(2 + i / 8, i % 8, samples[i].ToArray<float>());
    var picture = Path.Combine(outDir, "vae-reconstructions-and-samples.png");
    grid.Save(picture);
    Console.WriteLine($"picture: {picture} (row 1: test images, row 2: reconstructions, rows 3-4: samples)");
}

string? ArgValue(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
