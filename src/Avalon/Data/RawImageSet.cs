namespace Avalon.Data;

/// <summary>
/// One split of an image-classification dataset, in memory as plain arrays: grey-scale images as
/// bytes (0..255) in <c>(Count, Rows, Columns)</c> row-major order and one class index per image.
/// It also records which source the data came from, so a program can print it.
/// </summary>
public sealed class RawImageSet
{
    internal RawImageSet(
        string datasetName, DatasetSplit split, byte[] images, byte[] labels, int rows, int columns,
        IReadOnlyList<string> classNames, DatasetSource source, string location, IReadOnlyList<string> searchLog)
    {
        DatasetName = datasetName;
        Split = split;
        Images = images;
        Labels = labels;
        Rows = rows;
        Columns = columns;
        ClassNames = classNames;
        Source = source;
        Location = location;
        SearchLog = searchLog;
    }

    /// <summary>The dataset's name, for example <c>Fashion-MNIST</c>.</summary>
    public string DatasetName { get; }

    /// <summary>The split these images belong to.</summary>
    public DatasetSplit Split { get; }

    /// <summary>The number of images.</summary>
    public int Count => Labels.Length;

    /// <summary>The height of each image in pixels.</summary>
    public int Rows { get; }

    /// <summary>The width of each image in pixels.</summary>
    public int Columns { get; }

    /// <summary>All pixels, <see cref="Count"/> × <see cref="Rows"/> × <see cref="Columns"/> bytes in row-major order.</summary>
    public byte[] Images { get; }

    /// <summary>The class index of each image, in <c>[0, ClassNames.Count)</c>.</summary>
    public byte[] Labels { get; }

    /// <summary>The name of each class, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Which source the files came from.</summary>
    public DatasetSource Source { get; }

    /// <summary>The folder (or, for the embedded sample, the resource name prefix) the files were read from.</summary>
    public string Location { get; }

    /// <summary>One line per source that was considered, in order, saying what was found there.</summary>
    public IReadOnlyList<string> SearchLog { get; }

    /// <summary>A one-line description of the data and where it came from, for printing.</summary>
    public string SourceDescription => Source switch
    {
        DatasetSource.ExplicitPath => $"{Header} from {Location}",
        DatasetSource.Cache => $"{Header} from the cache folder {Location}",
        DatasetSource.SystemPackage => $"{Header} from the system package folder {Location}",
        DatasetSource.Download => $"{Header} downloaded into {Location}",
        _ => $"{Header} from the class-balanced sample embedded in Avalon",
    };

    private string Header => $"{DatasetName} {Split.ToString().ToLowerInvariant()}: {Count} images of {Rows}x{Columns}";

    /// <summary>The pixels of image <paramref name="index"/>, <see cref="Rows"/> × <see cref="Columns"/> bytes.</summary>
    /// <param name="index">The image index, in <c>[0, Count)</c>.</param>
    public ReadOnlySpan<byte> Image(int index)
    {
        if ((uint)index >= (uint)Count)
        {
            throw OpErrors.OutOfRange("RawImageSet.Image", nameof(index), index, $"index must be in [0, {Count}).");
        }
        int size = Rows * Columns;
        return Images.AsSpan(index * size, size);
    }

    /// <inheritdoc/>
    public override string ToString() => SourceDescription;
}
