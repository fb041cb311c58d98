using Avalon.Data;

namespace Avalon.Samples.Common;

/// <summary>
/// Fashion-MNIST for the samples: the training images split into a training and a validation part (the
/// model is tuned and stopped on the validation part), and the test images, kept for the final figure only.
/// </summary>
/// <param name="Train">The training part of the training images.</param>
/// <param name="Validation">The held-out part of the training images.</param>
/// <param name="Test">The test images.</param>
/// <param name="Description">Where the images came from, for the log.</param>
/// <param name="ClassNames">The ten class names, by label.</param>
public sealed record FashionData(IDataset Train, IDataset Validation, IDataset Test, string Description, IReadOnlyList<string> ClassNames)
{
    /// <summary>
    /// Loads the embedded sample (or, with <paramref name="full"/>, the full set as the FashionMnist sample
    /// finds it) and holds out <paramref name="validationFraction"/> of the training images, drawn with
    /// <paramref name="seed"/>. <paramref name="limit"/> keeps only that many images of each part (for <c>--quick</c>).
    /// </summary>
    public static FashionData Load(ulong seed, bool full = false, double validationFraction = 0.1, int? limit = null)
    {
        var load = new DatasetLoadOptions { UseEmbeddedSample = !full, FallBackToEmbeddedSample = false };
        var trainAll = new FashionMnistDataset(DatasetSplit.Train, options: load);
        var test = new FashionMnistDataset(DatasetSplit.Test, options: load);
        var parts = Datasets.RandomSplit(trainAll, [1 - validationFraction, validationFraction], new Generator(seed));
        IDataset train = parts[0], validation = parts[1], testSet = test;
        if (limit is int n)
        {
            train = new Subset(train, Enumerable.Range(0, Math.Min(n, train.Count)).ToArray());
            validation = new Subset(validation, Enumerable.Range(0, Math.Min(n, validation.Count)).ToArray());
            testSet = new Subset(test, Enumerable.Range(0, Math.Min(n, test.Count)).ToArray());
        }
        string description = $"{trainAll.Source} ({trainAll.SourceDescription}): {train.Count} training, {validation.Count} validation (held out of the training images), {testSet.Count} test images";
        return new FashionData(train, validation, testSet, description, trainAll.ClassNames);
    }

    /// <summary>The images of the first <paramref name="count"/> samples of <paramref name="data"/>, stacked <c>[count, 1, 28, 28]</c>.</summary>
    public static Tensor Images(IDataset data, int count) =>
        Tensor.Stack(Enumerable.Range(0, Math.Min(count, data.Count)).Select(i => data.Get(i).Input).ToArray());
}
