using Avalon.Data;
using Avalon.Tests.TestData;

namespace Avalon.Tests.Data;

public class FashionMnistTests
{
    private const string DebianFolder = "/usr/share/datasets/fashion-mnist";

    // Port 9 (discard) on the loopback interface refuses connections at once, so the download step
    // fails quickly and without touching the network.
    private static readonly Uri[] s_unreachable = [new("http://127.0.0.1:9/")];

    [Theory]
    [InlineData(DatasetSplit.Train, 6000)]
    [InlineData(DatasetSplit.Test, 1000)]
    public void EmbeddedSampleIsClassBalanced(DatasetSplit split, int count)
    {
        RawImageSet set = FashionMnist.Load(split, new DatasetLoadOptions { UseEmbeddedSample = true });

        Assert.Equal(DatasetSource.EmbeddedSample, set.Source);
        Assert.Equal(count, set.Count);
        Assert.Equal(28, set.Rows);
        Assert.Equal(28, set.Columns);
        Assert.Equal(count * 28 * 28, set.Images.Length);
        var perClass = new int[10];
        foreach (byte label in set.Labels)
        {
            perClass[label]++;
        }
        Assert.All(perClass, n => Assert.Equal(count / 10, n));
        for (int i = 0; i < set.Count; i++)
        {
            Assert.True(set.Image(i).IndexOfAnyExcept((byte)0) >= 0, $"image {i} is blank");
        }
        Assert.Equal("Ankle boot", set.ClassNames[9]);
        Assert.Equal("T-shirt/top", set.ClassNames[0]);
        Assert.Contains("embedded", set.SourceDescription);
    }

    [Fact]
    public void ExplicitPathWinsOverCache()
    {
        using var folder = new IdxTestFiles.TempFolder();
        string explicitFolder = Path.Combine(folder.Path, "mine");
        (byte[] images, byte[] labels) = IdxTestFiles.WriteSplit(explicitFolder, "t10k", 7, gzip: true);
        IdxTestFiles.WriteSplit(Path.Combine(folder.Path, "cache", "fashion-mnist"), "t10k", 3, gzip: false);

        RawImageSet set = FashionMnist.Load(DatasetSplit.Test, new DatasetLoadOptions
        {
            Path = explicitFolder,
            CacheRoot = Path.Combine(folder.Path, "cache"),
            AllowDownload = false,
            FallBackToEmbeddedSample = false,
        });

        Assert.Equal(DatasetSource.ExplicitPath, set.Source);
        Assert.Equal(explicitFolder, set.Location);
        Assert.Equal(images, set.Images);
        Assert.Equal(labels, set.Labels);
        Assert.Equal(DatasetSplit.Test, set.Split);
        Assert.Contains(explicitFolder, set.SourceDescription);
    }

    [Fact]
    public void CacheWinsOverSystemPackageAndDownload()
    {
        using var folder = new IdxTestFiles.TempFolder();
        (byte[] images, byte[] labels) = IdxTestFiles.WriteSplit(Path.Combine(folder.Path, "fashion-mnist"), "train", 12, gzip: false);

        RawImageSet set = FashionMnist.Load(DatasetSplit.Train, new DatasetLoadOptions
        {
            CacheRoot = folder.Path,
            DownloadMirrors = s_unreachable,
        });

        Assert.Equal(DatasetSource.Cache, set.Source);
        Assert.Equal(12, set.Count);
        Assert.Equal(images, set.Images);
        Assert.Equal(labels, set.Labels);
        Assert.Equal(["explicit path: not given", $"cache {Path.Combine(folder.Path, "fashion-mnist")}: found"], set.SearchLog);
    }

    [Fact]
    public void MissingExplicitPathIsAClearError()
    {
        string missing = Path.Combine(Path.GetTempPath(), "avalon-no-such-folder-" + Guid.NewGuid().ToString("N"));
        var ex = Assert.Throws<DirectoryNotFoundException>(() =>
            FashionMnist.Load(DatasetSplit.Train, new DatasetLoadOptions { Path = missing }));
        Assert.Contains(missing, ex.Message);
        Assert.Contains("DatasetLoadOptions.Path", ex.Message);
        Assert.Contains("train-images-idx3-ubyte", ex.Message);
    }

    [Fact]
    public void ExplicitPathMissingAFileIsAClearError()
    {
        using var folder = new IdxTestFiles.TempFolder();
        IdxTestFiles.WriteSplit(folder.Path, "train", 2, gzip: true);
        File.Delete(Path.Combine(folder.Path, "train-labels-idx1-ubyte.gz"));

        var ex = Assert.Throws<FileNotFoundException>(() =>
            FashionMnist.Load(DatasetSplit.Train, new DatasetLoadOptions { Path = folder.Path }));
        Assert.Contains("train-labels-idx1-ubyte(.gz)", ex.Message);
        Assert.DoesNotContain("train-images", ex.Message);
    }

    [Fact]
    public void CorruptFileNamesTheFile()
    {
        using var folder = new IdxTestFiles.TempFolder();
        IdxTestFiles.WriteSplit(folder.Path, "train", 4, gzip: false);
        string labels = Path.Combine(folder.Path, "train-labels-idx1-ubyte");
        File.WriteAllBytes(labels, IdxTestFiles.UByte([5], [1, 2, 3]));

        var ex = Assert.Throws<InvalidDataException>(() =>
            FashionMnist.Load(DatasetSplit.Train, new DatasetLoadOptions { Path = folder.Path }));
        Assert.Contains(labels, ex.Message);
        Assert.Contains("truncated", ex.Message);
    }

    [Fact]
    public void LabelOutOfRangeIsRejected()
    {
        using var folder = new IdxTestFiles.TempFolder();
        IdxTestFiles.WriteSplit(folder.Path, "t10k", 3, gzip: false);
        File.WriteAllBytes(Path.Combine(folder.Path, "t10k-labels-idx1-ubyte"), IdxTestFiles.UByte([3], [0, 10, 1]));

        var ex = Assert.Throws<InvalidDataException>(() =>
            FashionMnist.Load(DatasetSplit.Test, new DatasetLoadOptions { Path = folder.Path }));
        Assert.Contains("label 10 at index 1", ex.Message);
    }

    [Fact]
    public void ImageAndLabelCountsMustAgree()
    {
        using var folder = new IdxTestFiles.TempFolder();
        IdxTestFiles.WriteSplit(folder.Path, "t10k", 3, gzip: false);
        File.WriteAllBytes(Path.Combine(folder.Path, "t10k-labels-idx1-ubyte"), IdxTestFiles.UByte([2], [0, 1]));

        var ex = Assert.Throws<InvalidDataException>(() =>
            FashionMnist.Load(DatasetSplit.Test, new DatasetLoadOptions { Path = folder.Path }));
        Assert.Contains("holds 3 images", ex.Message);
        Assert.Contains("2 labels", ex.Message);
    }

    [Fact]
    public void FailedDownloadWithoutFallbackSaysWhereToPutTheFiles()
    {
        using var folder = new IdxTestFiles.TempFolder();
        string cacheFolder = Path.Combine(folder.Path, "fashion-mnist");

        var ex = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(DatasetSplit.Train, new DatasetLoadOptions
        {
            CacheRoot = folder.Path,
            SearchSystemPackage = false,
            DownloadMirrors = s_unreachable,
            DownloadTimeout = TimeSpan.FromSeconds(5),
            FallBackToEmbeddedSample = false,
        }));

        Assert.Contains($"Put train-images-idx3-ubyte.gz and train-labels-idx1-ubyte.gz", ex.Message);
        Assert.Contains($"into '{cacheFolder}'", ex.Message);
        Assert.Contains("download: failed", ex.Message);
        Assert.Contains("127.0.0.1:9/train-images-idx3-ubyte.gz", ex.Message);
        Assert.IsType<IOException>(ex.InnerException);
        // Nothing half-written is left behind for a later run to pick up.
        Assert.Empty(Directory.Exists(cacheFolder) ? Directory.GetFiles(cacheFolder) : []);
    }

    [Fact]
    public void OfflineOfficialDownloadFailsCleanlyWithinTheTimeout()
    {
        using var folder = new IdxTestFiles.TempFolder();
        // Uses the official addresses. Without a network this must fail quickly (DNS error or the short
        // timeout) with advice; with one, the test split is downloaded into a throwaway folder.
        var options = new DatasetLoadOptions
        {
            CacheRoot = folder.Path,
            SearchSystemPackage = false,
            DownloadTimeout = TimeSpan.FromSeconds(2),
            FallBackToEmbeddedSample = false,
        };
        try
        {
            RawImageSet set = FashionMnist.Load(DatasetSplit.Test, options);
            Assert.Equal(DatasetSource.Download, set.Source);
        }
        catch (FileNotFoundException ex)
        {
            Assert.Contains("fashion-mnist.s3-website.eu-central-1.amazonaws.com", ex.Message);
            Assert.Contains("Put t10k-images-idx3-ubyte.gz", ex.Message);
        }
    }

    [Fact]
    public void FallbackToEmbeddedSampleRecordsWhy()
    {
        using var folder = new IdxTestFiles.TempFolder();

        RawImageSet set = FashionMnist.Load(DatasetSplit.Test, new DatasetLoadOptions
        {
            CacheRoot = folder.Path,
            SearchSystemPackage = false,
            AllowDownload = false,
        });

        Assert.Equal(DatasetSource.EmbeddedSample, set.Source);
        Assert.Equal(1000, set.Count);
        Assert.Equal(5, set.SearchLog.Count);
        Assert.Equal("explicit path: not given", set.SearchLog[0]);
        Assert.StartsWith($"cache {Path.Combine(folder.Path, "fashion-mnist")}: no t10k-images-idx3-ubyte(.gz) or t10k-labels-idx1-ubyte(.gz)", set.SearchLog[1]);
        Assert.Contains("not searched", set.SearchLog[2]);
        Assert.Contains("AllowDownload is false", set.SearchLog[3]);
        Assert.StartsWith("embedded sample: used", set.SearchLog[4]);
    }

    [Fact]
    public void NoSourceAndNoFallbackIsAClearError()
    {
        using var folder = new IdxTestFiles.TempFolder();
        var ex = Assert.Throws<FileNotFoundException>(() => FashionMnist.Load(DatasetSplit.Test, new DatasetLoadOptions
        {
            CacheRoot = folder.Path,
            SearchSystemPackage = false,
            AllowDownload = false,
            FallBackToEmbeddedSample = false,
        }));
        Assert.Contains("Fashion-MNIST test: the dataset files were not found", ex.Message);
        Assert.Contains("AllowDownload is false", ex.Message);
        Assert.Contains("AVALON_DATA_DIR", ex.Message);
    }

    [ExternalDataFact(DebianFolder, Hint = "install the Debian package dataset-fashion-mnist")]
    public void SystemPackageIsFoundAndHoldsTheFullDataset()
    {
        ExternalData.Require(DebianFolder, "install the Debian package dataset-fashion-mnist");
        using var folder = new IdxTestFiles.TempFolder();
        var options = new DatasetLoadOptions { CacheRoot = folder.Path, AllowDownload = false, FallBackToEmbeddedSample = false };

        RawImageSet train = FashionMnist.Load(DatasetSplit.Train, options);
        RawImageSet test = FashionMnist.Load(DatasetSplit.Test, options);

        Assert.Equal(DatasetSource.SystemPackage, train.Source);
        Assert.Equal(DebianFolder, train.Location);
        Assert.Equal(60_000, train.Count);
        Assert.Equal(10_000, test.Count);
        Assert.Equal(60_000 * 784, train.Images.Length);
        Assert.All(CountPerClass(train.Labels), n => Assert.Equal(6000, n));
        Assert.All(CountPerClass(test.Labels), n => Assert.Equal(1000, n));

        // The embedded sample is the first 600 (train) / 100 (test) images of each class, in order.
        AssertIsFirstPerClass(train, FashionMnist.Load(DatasetSplit.Train, new DatasetLoadOptions { UseEmbeddedSample = true }), 600);
        AssertIsFirstPerClass(test, FashionMnist.Load(DatasetSplit.Test, new DatasetLoadOptions { UseEmbeddedSample = true }), 100);
    }

    [Fact]
    public void MnistHasNoEmbeddedSample()
    {
        var ex = Assert.Throws<NotSupportedException>(() => Mnist.Load(DatasetSplit.Train, new DatasetLoadOptions { UseEmbeddedSample = true }));
        Assert.Contains("MNIST", ex.Message);
    }

    [Fact]
    public void MnistNotFoundIsAClearError()
    {
        using var folder = new IdxTestFiles.TempFolder();
        var ex = Assert.Throws<FileNotFoundException>(() => Mnist.Load(DatasetSplit.Test, new DatasetLoadOptions
        {
            CacheRoot = folder.Path,
            DownloadMirrors = s_unreachable,
            DownloadTimeout = TimeSpan.FromSeconds(5),
        }));
        Assert.Contains("MNIST test", ex.Message);
        Assert.Contains($"into '{Path.Combine(folder.Path, "mnist")}'", ex.Message);
    }

    [Fact]
    public void MnistLoadsFromAnExplicitPath()
    {
        using var folder = new IdxTestFiles.TempFolder();
        (byte[] images, byte[] labels) = IdxTestFiles.WriteSplit(folder.Path, "train", 5, gzip: true);
        RawImageSet set = Mnist.Load(DatasetSplit.Train, new DatasetLoadOptions { Path = folder.Path });
        Assert.Equal(images, set.Images);
        Assert.Equal(labels, set.Labels);
        Assert.Equal("3 - three", set.ClassNames[3]);
    }

    private static int[] CountPerClass(byte[] labels)
    {
        var counts = new int[10];
        foreach (byte label in labels)
        {
            counts[label]++;
        }
        return counts;
    }

    private static void AssertIsFirstPerClass(RawImageSet full, RawImageSet sample, int perClass)
    {
        var taken = new int[10];
        int next = 0;
        for (int i = 0; i < full.Count && next < sample.Count; i++)
        {
            byte label = full.Labels[i];
            if (taken[label] == perClass)
            {
                continue;
            }
            taken[label]++;
            Assert.Equal(label, sample.Labels[next]);
            Assert.True(full.Image(i).SequenceEqual(sample.Image(next)), $"sample image {next} differs from image {i} of the full set");
            next++;
        }
        Assert.Equal(sample.Count, next);
    }
}
