using Avalon.Data;

namespace Avalon.Tests.Data;

/// <summary>The datasets say where their data came from, and the embedded sample can be asked for by name.</summary>
public class DatasetSourceTests
{
    [Fact]
    public void TheEmbeddedSampleIsLoadedWhenAskedForByName()
    {
        var test = new FashionMnistDataset(DatasetSplit.Test, options: DatasetLoadOptions.Embedded());
        Assert.Equal(DatasetSource.EmbeddedSample, test.Source);
        Assert.Equal(1000, test.Count);
        Assert.Contains("embedded", test.SourceDescription);
        Assert.Equal(test.Images.SourceDescription, test.SourceDescription);
    }

    [Fact]
    public void EmbeddedOptionsLookNowhereElse()
    {
        var options = DatasetLoadOptions.Embedded();
        Assert.True(options.UseEmbeddedSample);
        Assert.False(options.FallBackToEmbeddedSample);
        Assert.NotSame(options, DatasetLoadOptions.Embedded());
    }

    [Fact]
    public void ADatasetFromAnExplicitFolderSaysSo()
    {
        using var folder = new IdxTestFiles.TempFolder();
        IdxTestFiles.WriteSplit(folder.Path, "t10k", 5, gzip: true);
        var options = new DatasetLoadOptions { Path = folder.Path, AllowDownload = false, FallBackToEmbeddedSample = false };

        var fashion = new FashionMnistDataset(DatasetSplit.Test, options: options);
        var mnist = new MnistDataset(DatasetSplit.Test, options: options);

        Assert.Equal(DatasetSource.ExplicitPath, fashion.Source);
        Assert.Equal(DatasetSource.ExplicitPath, mnist.Source);
        Assert.Contains(folder.Path, fashion.SourceDescription);
        Assert.Equal(5, mnist.Count);
    }
}
