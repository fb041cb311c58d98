using Avalon.Data.Transforms;

namespace Avalon.Tests.Data;

public class TransformTests
{
    [Fact]
    public void NormalizeUsesPerChannelStatistics()
    {
        // 2 channels of 2x2, then a batch-like leading dim of 2: (..., C, H, W).
        var values = Enumerable.Range(0, 16).Select(i => (float)i).ToArray();
        var input = Tensor.From(values, 2, 2, 2, 2);
        var output = new Normalize([1.0, 2.0], [2.0, 4.0]).Apply(input).ToArray<float>();
        for (int i = 0; i < 16; i++)
        {
            int channel = i / 4 % 2;
            double expected = channel == 0 ? (i - 1.0) / 2.0 : (i - 2.0) / 4.0;
            Assert.Equal(expected, output[i], 1e-6);
        }
        Assert.Equal(values, input.ToArray<float>()); // the input is left unchanged
    }

    [Fact]
    public void NormalizeRejectsBadInput()
    {
        Assert.Throws<ArgumentException>(() => new Normalize([0.5], [0.0]));
        Assert.Throws<ArgumentException>(() => new Normalize([0.5, 0.5], [1.0]));
        var ex = Assert.Throws<ArgumentException>(() => new Normalize([0.5, 0.5], [1.0, 1.0]).Apply(Tensor.Zeros(3, 4, 4)));
        Assert.Contains("3 channels", ex.Message);
        Assert.Throws<ArgumentException>(() => new Normalize([0.5], [1.0]).Apply(Tensor.Zeros(784)));
        Assert.Throws<ArgumentException>(() => new Normalize([0.5], [1.0]).Apply(Tensor.Zeros([1, 2, 2], DType.Int64)));
    }

    [Fact]
    public void FlattenMergesDimensions()
    {
        var input = Tensor.From(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 2, 3, 4);
        Assert.Equal([24], new Flatten().Apply(input).Shape.ToArray());
        var partial = new Flatten(1).Apply(input);
        Assert.Equal([2, 12], partial.Shape.ToArray());
        Assert.Equal(input.ToArray<float>(), partial.ToArray<float>());
        Assert.Equal([6, 4], new Flatten(0, 1).Apply(input).Shape.ToArray());
    }

    [Fact]
    public void ToTensorDividesBy255()
    {
        var t = ToTensor.FromBytes([0, 1, 128, 255], 1, 2, 2);
        Assert.Equal([1, 2, 2], t.Shape.ToArray());
        Assert.Equal([0f, 1f / 255f, 128f / 255f, 1f], t.ToArray<float>());
        var fromInts = new ToTensor().Apply(Tensor.From(new long[] { 0, 51, 255 }));
        Assert.Equal([0f, 0.2f, 1f], fromInts.ToArray<float>());
        Assert.Throws<ArgumentException>(() => new ToTensor().Apply(Tensor.Zeros(2)));
    }
}
