namespace Avalon.Data;

/// <summary>
/// Where and how <see cref="FashionMnist"/> and <see cref="Mnist"/> look for their files.
/// </summary>
/// <remarks>
/// The sources are tried in this order, and the first that holds the split's two files is used:
/// <list type="number">
/// <item><see cref="Path"/>, when given (then no other source is tried: a missing folder or file is an error);</item>
/// <item>the cache folder <c><see cref="CacheRoot"/>/&lt;dataset&gt;</c>;</item>
/// <item>the operating system's copy (Debian's <c>dataset-fashion-mnist</c> installs <c>/usr/share/datasets/fashion-mnist</c>), when <see cref="SearchSystemPackage"/>;</item>
/// <item>a download from the official site into the cache folder, when <see cref="AllowDownload"/>;</item>
/// <item>the embedded sample (Fashion-MNIST only), when <see cref="FallBackToEmbeddedSample"/>.</item>
/// </list>
/// The returned <see cref="RawImageSet"/> says which source was used and what was tried before it.
/// </remarks>
public sealed class DatasetLoadOptions
{
    /// <summary>
    /// A folder holding the standard files (<c>train-images-idx3-ubyte</c>, <c>train-labels-idx1-ubyte</c>,
    /// <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>, each plain or with <c>.gz</c>).
    /// When set, only this folder is used. Default <see langword="null"/>.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// The folder that holds one subfolder per dataset (for example <c>fashion-mnist</c>), where downloads
    /// are stored. Default <see langword="null"/>: the environment variable <c>AVALON_DATA_DIR</c> when set,
    /// otherwise <c>avalon/datasets</c> under <see cref="Environment.SpecialFolder.LocalApplicationData"/>
    /// (<c>~/.local/share/avalon/datasets</c> on Linux).
    /// </summary>
    public string? CacheRoot { get; set; }

    /// <summary>Whether to look for a copy installed by the operating system's package manager. Default <see langword="true"/>.</summary>
    public bool SearchSystemPackage { get; set; } = true;

    /// <summary>Whether to download the files into the cache folder when no local copy is found. Default <see langword="true"/>.</summary>
    public bool AllowDownload { get; set; } = true;

    /// <summary>The time allowed for downloading one file from one mirror. Default 5 minutes.</summary>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Base addresses to download from, tried in order; each is joined with the file name
    /// (for example <c>train-images-idx3-ubyte.gz</c>). Default <see langword="null"/>: the dataset's official addresses.
    /// </summary>
    public IReadOnlyList<Uri>? DownloadMirrors { get; set; }

    /// <summary>
    /// Whether to use the embedded sample when no other source has the files (Fashion-MNIST only).
    /// Default <see langword="true"/>; when <see langword="false"/>, a dataset that cannot be found is an error.
    /// </summary>
    public bool FallBackToEmbeddedSample { get; set; } = true;

    /// <summary>
    /// Load the embedded sample directly and look nowhere else (Fashion-MNIST only: 6,000 training and
    /// 1,000 test images, class-balanced). Default <see langword="false"/>.
    /// </summary>
    public bool UseEmbeddedSample { get; set; }

    /// <summary>
    /// Options that load the embedded Fashion-MNIST sample and look nowhere else
    /// (<see cref="UseEmbeddedSample"/> set): <c>new FashionMnistDataset(DatasetSplit.Train, options: DatasetLoadOptions.Embedded())</c>.
    /// The loaded data's <see cref="RawImageSet.Source"/> is <see cref="DatasetSource.EmbeddedSample"/>.
    /// </summary>
    public static DatasetLoadOptions Embedded() => new() { UseEmbeddedSample = true, FallBackToEmbeddedSample = false };

    /// <summary>Receives progress lines (for example while downloading). Default <see langword="null"/>: silent.</summary>
    public Action<string>? Log { get; set; }
}
