using System.Globalization;
using Avalon.Autodiff;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Samples.Common;
using Avalon.Training;
using Avalon.Training.Callbacks;
using Avalon.Training.Metrics;

namespace Avalon.Samples.ResNet18;

/// <summary>Trains ResNet-18 briefly on Fashion-MNIST (grey images repeated to 3 channels and upsampled for the torchvision stem).</summary>
public static class ResNet18Sample
{
    /// <summary>Runs the sample: <c>--quick</c>, <c>--epochs N</c>, <c>--size N</c> (input side, default 56), <c>--full</c>, <c>--out DIR</c>, <c>--seed N</c>, <c>--threads N</c>.</summary>
    public static int Run(string[] args)
    {
        var o = new SampleArgs(args, Path.Combine("runs", "resnet18"), ["epochs", "size"], ["full"]);
        int epochs = o.Int("epochs", 2, 1);
        Generator.ManualSeed(o.Seed);
        var data = FashionData.Load(o.Seed, o.Flag("full"), limit: o.Quick ? 64 : null);
        Console.WriteLine(data.Description);
        var model = new ResNet(numClasses: 10) { GreyInputSize = o.Int("size", 56, 32) };
        Console.WriteLine($"ResNet-18: {model.ParameterCount:N0} parameters; input 1×28×28 → 3×{model.GreyInputSize}×{model.GreyInputSize}; {Threads.Count} threads");
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        var history = model.Fit(
            loss: (output, target) => Functional.CrossEntropy(output, target),
            optimizer: optimizer,
            train: data.Train,
            epochs: epochs,
            batchSize: 64,
            validation: data.Validation,
            metrics: [new Accuracy()],
            callbacks: [new EarlyStopping("val_loss", patience: 2, restoreBestWeights: true)],
            options: new FitOptions { Generator = new Generator(o.Seed) });
        Console.WriteLine(history.ToText());

        Directory.CreateDirectory(o.OutputDirectory);
        var curve = Path.Combine(o.OutputDirectory, "training-curve.svg");
        history.SaveSvg(curve, "ResNet-18 on Fashion-MNIST");
        var result = model.Evaluate((output, target) => Functional.CrossEntropy(output, target), data.Test, batchSize: 200, metrics: [new Accuracy()]);
        var picture = Path.Combine(o.OutputDirectory, "test-predictions.png");
        PredictionsPicture(model, data).Save(picture);
        Console.WriteLine($"curve: {curve}");
        Console.WriteLine($"picture: {picture} (row k: test images classified as class k)");
        Console.WriteLine($"test accuracy: {(result["accuracy"] * 100).ToString("F2", CultureInfo.InvariantCulture)}%");
        return 0;
    }

    /// <summary>One row per class: the first eight test images the model puts in it.</summary>
    private static ImageGrid PredictionsPicture(ResNet model, FashionData data)
    {
        const int columns = 8;
        var labels = data.ClassNames.Select(n => n.ToUpperInvariant()).ToArray();
        var grid = new ImageGrid(columns, labels.Length, 28, labels, "TEST IMAGES BY PREDICTED CLASS");
        var filled = new int[labels.Length];
        model.Eval();
        using var noGrad = new NoGrad();
        int count = Math.Min(data.Test.Count, 400);
        var images = FashionData.Images(data.Test, count);
        var predicted = model.Forward(images).ArgMax(1).ToArray<long>();
        for (int i = 0; i < count; i++)
        {
            int k = (int)predicted[i];
            if (filled[k] == columns) continue;
            grid.Put(k, filled[k]++, images[i].Reshape(784).ToArray<float>());
        }
        for (int k = 0; k < labels.Length; k++) grid.Label(k, labels[k]);
        return grid;
    }
}
