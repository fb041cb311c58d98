namespace Avalon.Data;

/// <summary>What the loader needs to know about one MNIST-like dataset stored as four IDX files.</summary>
internal sealed class IdxImageDatasetInfo
{
    public required string Key { get; init; }

    public required string DisplayName { get; init; }

    public required string[] ClassNames { get; init; }

    public required Uri[] DefaultMirrors { get; init; }

    /// <summary>The folder an operating-system package installs the files into, if any.</summary>
    public string? SystemDirectory { get; init; }

    /// <summary>The prefix of the embedded sample's resource names, if the assembly carries one.</summary>
    public string? EmbeddedResourcePrefix { get; init; }

    public int TrainCount { get; init; } = 60_000;

    public int TestCount { get; init; } = 10_000;

    public int Rows { get; init; } = 28;

    public int Columns { get; init; } = 28;

    public int FullCount(DatasetSplit split) => split == DatasetSplit.Train ? TrainCount : TestCount;

    public static string ImagesFile(DatasetSplit split) => split == DatasetSplit.Train ? "train-images-idx3-ubyte" : "t10k-images-idx3-ubyte";

    public static string LabelsFile(DatasetSplit split) => split == DatasetSplit.Train ? "train-labels-idx1-ubyte" : "t10k-labels-idx1-ubyte";
}
