using System.Reflection;

namespace Avalon.Data;

/// <summary>
/// Finds and reads one split of an MNIST-like dataset, trying the sources in the order documented on
/// <see cref="DatasetLoadOptions"/> and recording each step in the result's search log.
/// </summary>
internal static class IdxImageDatasetLoader
{
    public static RawImageSet Load(IdxImageDatasetInfo info, DatasetSplit split, DatasetLoadOptions? options)
    {
        options ??= new DatasetLoadOptions();
        string title = $"{info.DisplayName} {split.ToString().ToLowerInvariant()}";
        string imagesFile = IdxImageDatasetInfo.ImagesFile(split);
        string labelsFile = IdxImageDatasetInfo.LabelsFile(split);

        if (options.UseEmbeddedSample)
        {
            if (info.EmbeddedResourcePrefix is null)
            {
                throw OpErrors.NotSupported(title, $"Avalon embeds no sample of {info.DisplayName}; only Fashion-MNIST has one. Leave DatasetLoadOptions.UseEmbeddedSample false.");
            }
            return LoadEmbedded(info, split, ["embedded sample: requested by DatasetLoadOptions.UseEmbeddedSample"]);
        }

        var log = new List<string>();
        if (options.Path is { } path)
        {
            if (!Directory.Exists(path))
            {
                throw new DirectoryNotFoundException(
                    $"{title}: the folder '{path}' given in DatasetLoadOptions.Path does not exist. " +
                    $"Expected a folder holding {imagesFile}(.gz) and {labelsFile}(.gz).");
            }
            if (!TryFindFiles(path, split, out string? images, out string? labels, out string missing))
            {
                throw new FileNotFoundException(
                    $"{title}: the folder '{path}' given in DatasetLoadOptions.Path does not hold {missing}.");
            }
            log.Add($"explicit path {path}: found");
            return LoadFiles(info, split, images, labels, DatasetSource.ExplicitPath, path, log, expectedCount: null);
        }
        log.Add("explicit path: not given");

        string cacheFolder = Path.Combine(DatasetCache.Root(options.CacheRoot, Environment.GetEnvironmentVariable), info.Key);
        if (TryFindFiles(cacheFolder, split, out string? cachedImages, out string? cachedLabels, out string cacheMissing))
        {
            log.Add($"cache {cacheFolder}: found");
            return LoadFiles(info, split, cachedImages, cachedLabels, DatasetSource.Cache, cacheFolder, log, expectedCount: null);
        }
        log.Add($"cache {cacheFolder}: no {cacheMissing}");

        if (info.SystemDirectory is { } systemFolder)
        {
            if (!options.SearchSystemPackage)
            {
                log.Add($"system package {systemFolder}: not searched (SearchSystemPackage is false)");
            }
            else if (TryFindFiles(systemFolder, split, out string? systemImages, out string? systemLabels, out string systemMissing))
            {
                log.Add($"system package {systemFolder}: found");
                return LoadFiles(info, split, systemImages, systemLabels, DatasetSource.SystemPackage, systemFolder, log, expectedCount: null);
            }
            else
            {
                log.Add($"system package {systemFolder}: no {systemMissing}");
            }
        }

        IReadOnlyList<Uri> mirrors = options.DownloadMirrors is { Count: > 0 } given ? given : info.DefaultMirrors;
        IOException? downloadError = null;
        if (options.AllowDownload)
        {
            try
            {
                RawImageSet downloaded = Download(info, split, mirrors, cacheFolder, options, log);
                return downloaded;
            }
            catch (IOException ex)
            {
                downloadError = ex;
                log.Add($"download: failed: {ex.Message}");
            }
        }
        else
        {
            log.Add("download: not attempted (AllowDownload is false)");
        }

        string advice =
            $"Put {imagesFile}.gz and {labelsFile}.gz (from {mirrors[0]}) into '{cacheFolder}' " +
            $"(or set {DatasetCache.EnvironmentVariable} to a folder holding a '{info.Key}' subfolder), " +
            "or pass the folder holding them as DatasetLoadOptions.Path.";
        if (info.EmbeddedResourcePrefix is not null && options.FallBackToEmbeddedSample)
        {
            log.Add($"embedded sample: used because the full dataset was not found. {advice}");
            return LoadEmbedded(info, split, log);
        }
        throw new FileNotFoundException(
            $"{title}: the dataset files were not found. Searched, in order:{Environment.NewLine}  " +
            string.Join(Environment.NewLine + "  ", log) + Environment.NewLine + advice,
            downloadError);
    }

    private static bool TryFindFiles(string folder, DatasetSplit split, out string? images, out string? labels, out string missing)
    {
        images = FindFile(folder, IdxImageDatasetInfo.ImagesFile(split));
        labels = FindFile(folder, IdxImageDatasetInfo.LabelsFile(split));
        var absent = new List<string>(2);
        if (images is null)
        {
            absent.Add($"{IdxImageDatasetInfo.ImagesFile(split)}(.gz)");
        }
        if (labels is null)
        {
            absent.Add($"{IdxImageDatasetInfo.LabelsFile(split)}(.gz)");
        }
        missing = string.Join(" or ", absent);
        return absent.Count == 0;
    }

    private static string? FindFile(string folder, string name)
    {
        string plain = Path.Combine(folder, name);
        if (File.Exists(plain))
        {
            return plain;
        }
        string compressed = plain + ".gz";
        return File.Exists(compressed) ? compressed : null;
    }

    private static RawImageSet LoadFiles(
        IdxImageDatasetInfo info, DatasetSplit split, string? imagesPath, string? labelsPath,
        DatasetSource source, string location, List<string> log, int? expectedCount)
    {
        IdxArray images = IdxReader.Read(imagesPath!);
        IdxArray labels = IdxReader.Read(labelsPath!);
        return Build(info, split, images, imagesPath!, labels, labelsPath!, source, location, log, expectedCount);
    }

    private static RawImageSet Download(
        IdxImageDatasetInfo info, DatasetSplit split, IReadOnlyList<Uri> mirrors, string cacheFolder, DatasetLoadOptions options, List<string> log)
    {
        int count = info.FullCount(split);
        string imagesName = IdxImageDatasetInfo.ImagesFile(split) + ".gz";
        string labelsName = IdxImageDatasetInfo.LabelsFile(split) + ".gz";
        IdxArray images = DatasetDownloader.Download(
            mirrors, imagesName, Path.Combine(cacheFolder, imagesName), options.DownloadTimeout, options.Log,
            temporary => CheckImages(info, IdxReader.Read(temporary), imagesName, count));
        IdxArray labels = DatasetDownloader.Download(
            mirrors, labelsName, Path.Combine(cacheFolder, labelsName), options.DownloadTimeout, options.Log,
            temporary => CheckLabels(info, IdxReader.Read(temporary), labelsName, count));
        log.Add($"download into {cacheFolder}: done");
        return Build(info, split, images, imagesName, labels, labelsName, DatasetSource.Download, cacheFolder, log, count);
    }

    private static RawImageSet LoadEmbedded(IdxImageDatasetInfo info, DatasetSplit split, List<string> log)
    {
        string prefix = info.EmbeddedResourcePrefix!;
        IdxArray images = ReadResource(prefix + IdxImageDatasetInfo.ImagesFile(split) + ".gz");
        IdxArray labels = ReadResource(prefix + IdxImageDatasetInfo.LabelsFile(split) + ".gz");
        return Build(info, split, images, prefix, labels, prefix, DatasetSource.EmbeddedSample, prefix, log, expectedCount: null);
    }

    private static IdxArray ReadResource(string name)
    {
        Assembly assembly = typeof(IdxImageDatasetLoader).Assembly;
        using Stream stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded resource '{name}' is missing from {assembly.GetName().Name}; the assembly was built without its dataset sample.");
        return IdxReader.Read(stream, name);
    }

    private static RawImageSet Build(
        IdxImageDatasetInfo info, DatasetSplit split, IdxArray images, string imagesName, IdxArray labels, string labelsName,
        DatasetSource source, string location, List<string> log, int? expectedCount)
    {
        CheckImages(info, images, imagesName, expectedCount);
        CheckLabels(info, labels, labelsName, expectedCount);
        if (labels.Dims[0] != images.Dims[0])
        {
            throw new InvalidDataException(
                $"{info.DisplayName}: the images file '{imagesName}' holds {images.Dims[0]} images but the labels file '{labelsName}' holds {labels.Dims[0]} labels.");
        }
        return new RawImageSet(
            info.DisplayName, split, images.AsBytes(), labels.AsBytes(), info.Rows, info.Columns,
            info.ClassNames, source, location, log.ToArray());
    }

    private static IdxArray CheckImages(IdxImageDatasetInfo info, IdxArray images, string name, int? expectedCount)
    {
        bool shapeOk = images.DataType == IdxDataType.UByte && images.Rank == 3
            && images.Dims[1] == info.Rows && images.Dims[2] == info.Columns
            && (expectedCount is null || images.Dims[0] == expectedCount);
        if (!shapeOk)
        {
            string count = expectedCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "N";
            throw new InvalidDataException(
                $"{info.DisplayName}: the images file '{name}' holds {images.DataType} data of shape [{string.Join(", ", images.Dims)}]; " +
                $"expected UByte of shape [{count}, {info.Rows}, {info.Columns}].");
        }
        return images;
    }

    private static IdxArray CheckLabels(IdxImageDatasetInfo info, IdxArray labels, string name, int? expectedCount)
    {
        if (labels.DataType != IdxDataType.UByte || labels.Rank != 1 || (expectedCount is not null && labels.Dims[0] != expectedCount))
        {
            string count = expectedCount?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "N";
            throw new InvalidDataException(
                $"{info.DisplayName}: the labels file '{name}' holds {labels.DataType} data of shape [{string.Join(", ", labels.Dims)}]; " +
                $"expected UByte of shape [{count}].");
        }
        byte[] values = labels.AsBytes();
        for (int i = 0; i < values.Length; i++)
        {
            if (values[i] >= info.ClassNames.Length)
            {
                throw new InvalidDataException(
                    $"{info.DisplayName}: the labels file '{name}' has label {values[i]} at index {i}; " +
                    $"expected a class index in [0, {info.ClassNames.Length}).");
            }
        }
        return labels;
    }
}
