namespace Avalon.Data;

/// <summary>
/// Fashion-MNIST (Zalando Research): 28×28 grey-scale images of clothing in 10 classes, 60,000 for
/// training and 10,000 for testing; a drop-in replacement for MNIST.
/// </summary>
/// <example>
/// <code>
/// RawImageSet train = FashionMnist.Load(DatasetSplit.Train);
/// Console.WriteLine(train.SourceDescription);
/// </code>
/// </example>
public static class FashionMnist
{
    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames => Info.ClassNames;

    internal static IdxImageDatasetInfo Info { get; } = new()
    {
        Key = "fashion-mnist",
        DisplayName = "Fashion-MNIST",
        ClassNames = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
        DefaultMirrors =
        [
            new Uri("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"),
            new Uri("https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"),
        ],
        SystemDirectory = "/usr/share/datasets/fashion-mnist",
        EmbeddedResourcePrefix = "Avalon.Data.Embedded.fashion-mnist-sample.",
    };

    /// <summary>
    /// Loads one split into memory, from the first source that has it (see <see cref="DatasetLoadOptions"/>
    /// for the order). When nothing else has the files, a class-balanced sample embedded in Avalon
    /// (6,000 training and 1,000 test images) is used; <see cref="RawImageSet.Source"/> says so.
    /// </summary>
    /// <param name="split">Training or test images.</param>
    /// <param name="options">Where to look; <see langword="null"/> for the defaults.</param>
    /// <returns>The images, labels, class names and the source they came from.</returns>
    /// <exception cref="DirectoryNotFoundException"><see cref="DatasetLoadOptions.Path"/> does not exist.</exception>
    /// <exception cref="FileNotFoundException">The files were not found and no fallback was allowed; the message says where to put them.</exception>
    /// <exception cref="InvalidDataException">A file was found but is corrupt or has the wrong shape.</exception>
    public static RawImageSet Load(DatasetSplit split, DatasetLoadOptions? options = null) => IdxImageDatasetLoader.Load(Info, split, options);
}
