using Avalon.Data;
using Avalon.Data.Transforms;

namespace Avalon.Tests.Data;

public class ImageClassificationDatasetTests
{
    private static readonly DatasetLoadOptions s_embedded = new() { UseEmbeddedSample = true };

    [Fact]
    public void SampleIsScaledImageAndInt64Label()
    {
        var dataset = new FashionMnistDataset(DatasetSplit.Test, options: s_embedded);
        Assert.Equal(1000, dataset.Count);
        var (image, label) = dataset.Get(17);

        Assert.Equal(DType.Float32, image.DType);
        Assert.Equal([1, 28, 28], image.Shape.ToArray());
        var pixels = dataset.Images.Image(17);
        var values = image.ToArray<float>();
        for (int i = 0; i < pixels.Length; i++) Assert.Equal((float)pixels[i] / 255f, values[i]);
        Assert.Equal(DType.Int64, label.DType);
        Assert.Equal(0, label.Rank);
        Assert.Equal(dataset.Images.Labels[17], label.Item<long>());
        Assert.Equal("Ankle boot", dataset.ClassNames[9]);
    }

    [Fact]
    public void LoaderFastPathEqualsPerSampleStacking()
    {
        var dataset = new FashionMnistDataset(DatasetSplit.Test, options: s_embedded);
        var loader = new DataLoader(dataset, batchSize: 64, shuffle: true, generator: new Generator(5));
        var batch = loader.First();

        Assert.Equal([64, 1, 28, 28], batch.Input.Shape.ToArray());
        Assert.Equal([64], batch.Target.Shape.ToArray());
        var stacked = batch.Input.ToArray<float>();
        var labels = batch.Target.ToArray<long>();
        for (int b = 0; b < 64; b++)
        {
            var (image, label) = dataset.Get(batch.Indices[b]);
            Assert.Equal(image.ToArray<float>(), stacked.AsSpan(b * 784, 784).ToArray());
            Assert.Equal(label.Item<long>(), labels[b]);
        }
    }

    [Fact]
    public void TransformIsAppliedPerSample()
    {
        var normalize = new Normalize([0.5], [0.25]);
        var dataset = new ImageClassificationDataset(FashionMnist.Load(DatasetSplit.Test, s_embedded), new Compose(normalize, new Flatten()));
        var (image, _) = dataset.Get(3);
        Assert.Equal([784], image.Shape.ToArray());
        var pixels = dataset.Images.Image(3);
        var values = image.ToArray<float>();
        for (int i = 0; i < pixels.Length; i++)
            Assert.Equal(((double)pixels[i] / 255 - 0.5) / 0.25, values[i], 1e-5);

        var batch = new DataLoader(dataset, batchSize: 8).First();
        Assert.Equal([8, 784], batch.Input.Shape.ToArray());
        Assert.Equal(values, batch.Input.ToArray<float>().AsSpan(3 * 784, 784).ToArray());
    }
}
