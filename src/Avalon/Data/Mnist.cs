namespace Avalon.Data;

/// <summary>
/// MNIST (LeCun, Cortes, Burges): 28×28 grey-scale images of handwritten digits, 60,000 for training
/// and 10,000 for testing.
/// </summary>
public static class Mnist
{
    /// <summary>The class names, indexed by label (as in torchvision: <c>0 - zero</c> … <c>9 - nine</c>).</summary>
    public static IReadOnlyList<string> ClassNames => Info.ClassNames;

    internal static IdxImageDatasetInfo Info { get; } = new()
    {
        Key = "mnist",
        DisplayName = "MNIST",
        ClassNames = ["0 - zero", "1 - one", "2 - two", "3 - three", "4 - four", "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine"],
        DefaultMirrors =
        [
            new Uri("https://ossci-datasets.s3.amazonaws.com/mnist/"),
            new Uri("http://yann.lecun.com/exdb/mnist/"),
        ],
    };

    /// <summary>
    /// Loads one split into memory, from the first source that has it (see <see cref="DatasetLoadOptions"/>
    /// for the order; MNIST has no system package folder and no embedded sample).
    /// </summary>
    /// <param name="split">Training or test images.</param>
    /// <param name="options">Where to look; <see langword="null"/> for the defaults.</param>
    /// <returns>The images, labels, class names and the source they came from.</returns>
    /// <exception cref="DirectoryNotFoundException"><see cref="DatasetLoadOptions.Path"/> does not exist.</exception>
    /// <exception cref="FileNotFoundException">The files were not found; the message says where to put them.</exception>
    /// <exception cref="InvalidDataException">A file was found but is corrupt or has the wrong shape.</exception>
    /// <exception cref="NotSupportedException"><see cref="DatasetLoadOptions.UseEmbeddedSample"/> was set.</exception>
    public static RawImageSet Load(DatasetSplit split, DatasetLoadOptions? options = null) => IdxImageDatasetLoader.Load(Info, split, options);
}
