using Avalon.Data.Transforms;

namespace Avalon.Data;

/// <summary>
/// A grey-scale image-classification dataset held in memory (<see cref="RawImageSet"/>): sample
/// <c>i</c> is the image as float32 <c>[1, Rows, Columns]</c> scaled to [0, 1] (pixel / 255, like
/// torchvision's <c>ToTensor</c>), then passed through the optional transform, and the label as a
/// 0-d int64 tensor. A <see cref="DataLoader"/> stacks them into <c>[N, 1, Rows, Columns]</c> and
/// <c>[N]</c>.
/// </summary>
public class ImageClassificationDataset : IDataset, IBatchGatherer
{
    /// <summary>Creates a dataset over images already in memory.</summary>
    /// <param name="images">The images and labels.</param>
    /// <param name="transform">Applied to each image after scaling, for example <see cref="Normalize"/>; <see langword="null"/> for none.</param>
    public ImageClassificationDataset(RawImageSet images, ITransform? transform = null)
    {
        Images = images ?? throw new ArgumentNullException(nameof(images));
        Transform = transform;
    }

    /// <summary>The images, labels and where they came from.</summary>
    public RawImageSet Images { get; }

    /// <summary>Where the images were loaded from (explicit path, cache, system package, download or the embedded sample).</summary>
    public DatasetSource Source => Images.Source;

    /// <summary>A one-line description of the data and where it came from, for printing (<see cref="RawImageSet.SourceDescription"/>).</summary>
    public string SourceDescription => Images.SourceDescription;

    /// <summary>The transform applied to each image, or <see langword="null"/>.</summary>
    public ITransform? Transform { get; }

    /// <summary>The name of each class, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames => Images.ClassNames;

    /// <inheritdoc/>
    public int Count => Images.Count;

    /// <inheritdoc/>
    public Sample Get(int index)
    {
        if ((uint)index >= (uint)Count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"{GetType().Name}.Get: index must be in [0, {Count}).");
        var image = ToTensor.FromBytes(Images.Image(index), 1, Images.Rows, Images.Columns);
        if (Transform is not null) image = Transform.Apply(image);
        return new Sample(image, HostTensors.Wrap(new long[] { Images.Labels[index] }, []));
    }

    bool IBatchGatherer.CanGather => Transform is null;

    Tensor[] IBatchGatherer.Gather(ReadOnlySpan<int> indices)
    {
        int size = Images.Rows * Images.Columns;
        var pixels = new float[indices.Length * size];
        var labels = new long[indices.Length];
        for (int b = 0; b < indices.Length; b++)
        {
            ToTensor.ScaleInto(Images.Image(indices[b]), pixels.AsSpan(b * size, size));
            labels[b] = Images.Labels[indices[b]];
        }
        return [HostTensors.Wrap(pixels, indices.Length, 1, Images.Rows, Images.Columns), HostTensors.Wrap(labels, indices.Length)];
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"Dataset {Images.DatasetName}\n    Number of datapoints: {Count}\n    Split: {Images.Split}" +
        (Transform is null ? "" : $"\n    Transform: {Transform}");
}
