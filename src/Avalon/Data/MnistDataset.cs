using Avalon.Data.Transforms;

namespace Avalon.Data;

/// <summary>
/// MNIST as a dataset (torchvision's <c>MNIST</c>): images float32 <c>[1, 28, 28]</c> in [0, 1],
/// labels int64. The files are found as <see cref="Mnist.Load"/> describes.
/// </summary>
public sealed class MnistDataset : ImageClassificationDataset
{
    /// <summary>Loads a split.</summary>
    /// <param name="split">Training or test images. Default training.</param>
    /// <param name="transform">Applied to each image after scaling; <see langword="null"/> for none.</param>
    /// <param name="options">Where to look for the files; <see langword="null"/> for the defaults.</param>
    public MnistDataset(DatasetSplit split = DatasetSplit.Train, ITransform? transform = null, DatasetLoadOptions? options = null)
        : base(Mnist.Load(split, options), transform) { }
}
