namespace Avalon.Data;

/// <summary>
/// Where a dataset's files were found. The loaders try the sources in the order of this enumeration
/// and use the first that holds the files.
/// </summary>
public enum DatasetSource
{
    /// <summary>The folder given in <see cref="DatasetLoadOptions.Path"/>.</summary>
    ExplicitPath,

    /// <summary>The user's dataset cache folder (see <see cref="DatasetLoadOptions.CacheRoot"/>).</summary>
    Cache,

    /// <summary>A system-wide copy installed by the operating system's package manager (for example Debian's <c>dataset-fashion-mnist</c>).</summary>
    SystemPackage,

    /// <summary>Downloaded now from the dataset's official site into the cache folder.</summary>
    Download,

    /// <summary>The small class-balanced sample embedded in the Avalon assembly.</summary>
    EmbeddedSample,
}
