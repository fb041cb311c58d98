// Trains the seed README's CNN on Fashion-MNIST and reports its test accuracy on the last line.
//
//   dotnet run -c Release --project samples/FashionMnist                 embedded sample (offline, deterministic)
//   dotnet run -c Release --project samples/FashionMnist -- --full       full data set (see README for where it is looked for)
//
// Options: --quick (1 epoch on 100 images), --epochs N, --batch-size N, --lr X, --seed N, --data DIR, --out DIR, --threads N.
using System.Globalization;
using Avalon;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training;
using Avalon.Training.Checkpoints;
using Avalon.Training.Metrics;

namespace Avalon.Samples.FashionMnist;

/// <summary>The main job: trains the CNN and reports its test accuracy on the last line.</summary>
public static class FashionMnistSample
{
    /// <summary>
    /// The program's entry: <see cref="Run"/>, but <c>--help</c> prints the options (exit code 0) and a wrong
    /// command line prints what was wrong and the options (exit code 2) instead of throwing.
    /// </summary>
    public static int RunCommandLine(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine("usage: dotnet run -c Release --project samples/FashionMnist -- [options]");
            Console.WriteLine(SampleOptions.Known);
            return 0;
        }
        SampleOptions options;
        try
        {
            options = SampleOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
        {
            Console.Error.WriteLine($"samples/FashionMnist: {e.Message}{(e is ArgumentException ? "" : " (" + SampleOptions.Known + ")")}");
            return 2;
        }
        return Run(options);
    }

    /// <summary>Runs the sample with the options of <see cref="SampleOptions"/>.</summary>
    /// <exception cref="ArgumentException">An unknown option, or one without its value.</exception>
    public static int Run(string[] args) => Run(SampleOptions.Parse(args));

    private static int Run(SampleOptions options)
    {
        if (options.Threads is int threads) Threads.Count = threads;
        Generator.ManualSeed(options.Seed);

        var load = new DatasetLoadOptions
        {
            UseEmbeddedSample = !options.Full,
            Path = options.DataDirectory,
            FallBackToEmbeddedSample = false,
        };
        var trainAll = new FashionMnistDataset(DatasetSplit.Train, options: load);
        IDataset test = new FashionMnistDataset(DatasetSplit.Test, options: load);
        // Validation on images held out of the training set; the test set gives only the final figure.
        var parts = Datasets.RandomSplit(trainAll, [0.9, 0.1], new Generator(options.Seed));
        IDataset train = parts[0], validation = parts[1];
        if (options.Limit is int limit)
        {
            train = new Subset(train, Enumerable.Range(0, Math.Min(limit, train.Count)).ToArray());
            validation = new Subset(validation, Enumerable.Range(0, Math.Min(limit, validation.Count)).ToArray());
            test = new Subset(test, Enumerable.Range(0, Math.Min(limit, test.Count)).ToArray());
        }
        Console.WriteLine($"Data source: {trainAll.Source} ({trainAll.SourceDescription}): {train.Count} training, {validation.Count} validation (held out of the training images), {test.Count} test images");

        var model = new Net();
        Console.WriteLine(model);
        Console.WriteLine($"{model.ParameterCount:N0} parameters; {Threads.Count} threads");

        var optimizer = new Adam(model.Parameters(), lr: options.LearningRate);
        var history = model.Fit(
            loss: (output, target) => Functional.NllLoss(output, target),
            optimizer: optimizer,
            train: train,
            epochs: options.Epochs,
            batchSize: options.BatchSize,
            validation: validation,
            metrics: [new Accuracy()],
            options: new FitOptions { Generator = new Generator(options.Seed) });

        Directory.CreateDirectory(options.OutputDirectory);
        var checkpoint = Path.Combine(options.OutputDirectory, "fashion-mnist-cnn.safetensors");
        model.Save(checkpoint, optimizer, epoch: options.Epochs);
        var curve = Path.Combine(options.OutputDirectory, "training-curve.svg");
        history.SaveSvg(curve, "Fashion-MNIST CNN");
        Console.WriteLine(history.ToText());
        Console.WriteLine($"checkpoint: {checkpoint}");
        Console.WriteLine($"curve: {curve}");

        var result = model.Evaluate((o, t) => Functional.NllLoss(o, t), test, batchSize: 500, metrics: [new Accuracy()]);
        Console.WriteLine($"test accuracy: {(result["accuracy"] * 100).ToString("F2", CultureInfo.InvariantCulture)}%");
        return 0;
    }
}
