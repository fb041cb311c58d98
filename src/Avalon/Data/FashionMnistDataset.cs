using Avalon.Data.Transforms;

namespace Avalon.Data;

/// <summary>
/// Fashion-MNIST as a dataset (torchvision's <c>FashionMNIST</c>): images float32 <c>[1, 28, 28]</c>
/// in [0, 1], labels int64. The files are found as <see cref="FashionMnist.Load"/> describes.
/// </summary>
/// <example>
/// <code>
/// var train = new FashionMnistDataset(DatasetSplit.Train, new Normalize([0.2860], [0.3530]));
/// var loader = new DataLoader(train, batchSize: 64, shuffle: true);
/// </code>
/// </example>
public sealed class FashionMnistDataset : ImageClassificationDataset
{
    /// <summary>Loads a split.</summary>
    /// <param name="split">Training or test images. Default training.</param>
    /// <param name="transform">Applied to each image after scaling; <see langword="null"/> for none.</param>
    /// <param name="options">Where to look for the files; <see langword="null"/> for the defaults.</param>
    public FashionMnistDataset(DatasetSplit split = DatasetSplit.Train, ITransform? transform = null, DatasetLoadOptions? options = null)
        : base(FashionMnist.Load(split, options), transform) { }
}
