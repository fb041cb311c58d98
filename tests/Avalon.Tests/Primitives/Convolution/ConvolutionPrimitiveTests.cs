using Avalon.Nn;

namespace Avalon.Tests.Primitives.Convolution;

/// <summary>
/// The conv and pooling primitives against naive float64 loops written here, on strided (non-contiguous)
/// inputs, empty batches and both float dtypes; the layers' descriptions against PyTorch's.
/// </summary>
public sealed class ConvolutionPrimitiveTests
{
    /// <summary>Naive 2-d convolution with stride, padding, dilation and groups.</summary>
    private static double[] NaiveConv2d(double[] x, int n, int cin, int h, int w, double[] wt, int cout, int kh, int kw,
        double[]? b, int s, int p, int d, int groups, out int oh, out int ow)
    {
        oh = (h + 2 * p - d * (kh - 1) - 1) / s + 1;
        ow = (w + 2 * p - d * (kw - 1) - 1) / s + 1;
        int cinG = cin / groups, coutG = cout / groups;
        var y = new double[n * cout * oh * ow];
        for (int i = 0; i < n; i++)
        for (int co = 0; co < cout; co++)
        for (int yh = 0; yh < oh; yh++)
        for (int yw = 0; yw < ow; yw++)
        {
            double acc = b?[co] ?? 0;
            int g = co / coutG;
            for (int ci = 0; ci < cinG; ci++)
            for (int a = 0; a < kh; a++)
            for (int e = 0; e < kw; e++)
            {
                int ih = yh * s - p + a * d, iw = yw * s - p + e * d;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                acc += x[((i * cin + g * cinG + ci) * h + ih) * w + iw] * wt[((co * cinG + ci) * kh + a) * kw + e];
            }
            y[((i * cout + co) * oh + yh) * ow + yw] = acc;
        }
        return y;
    }

    [Theory]
    [InlineData(DType.Float32, 1, 1, 1, 1)]
    [InlineData(DType.Float64, 2, 1, 2, 2)]
    [InlineData(DType.Float32, 1, 2, 1, 2)]
    public void ConvMatchesNaiveOnTransposedInput(DType dtype, int stride, int padding, int dilation, int groups)
    {
        var g = new Generator(11);
        // A [N, C, W, H] tensor transposed to [N, C, H, W]: a non-contiguous view.
        var x = Tensor.Randn([2, 4, 7, 5], g, dtype).Transpose(2, 3);
        var w = Tensor.Randn([6, 4 / groups, 3, 2], g, dtype);
        var b = Tensor.Randn([6], g, dtype);
        var y = Functional.Conv2d(x, w, b, stride, padding, dilation, groups);
        var expected = NaiveConv2d(x.ToDoubleArray(), 2, 4, 5, 7, w.ToDoubleArray(), 6, 3, 2, b.ToDoubleArray(), stride, padding, dilation, groups,
            out int oh, out int ow);
        Assert.Equal([2, 6, oh, ow], y.Shape.ToArray());
        Assert.Equal(dtype, y.DType);
        var actual = y.ToDoubleArray();
        double tol = dtype == DType.Float32 ? 1e-4 : 1e-12;
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"element {i}");
    }

    [Fact]
    public void ConvOfEmptyBatchIsEmptyAndItsWeightGradientIsZero()
    {
        var x = Tensor.Zeros([0, 2, 5, 5]).RequiresGrad_();
        var w = Tensor.Randn([3, 2, 3, 3], new Generator(3)).RequiresGrad_();
        var y = Functional.Conv2d(x, w);
        Assert.Equal([0, 3, 3, 3], y.Shape.ToArray());
        y.Sum().Backward();
        Assert.All(w.Grad!.ToDoubleArray(), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void MaxPoolIndicesPointAtTheMaximaAndValuesMatchNaive()
    {
        var x = Tensor.Randn([2, 3, 6, 7], new Generator(5), DType.Float64);
        var (values, indices) = Functional.MaxPool2dWithIndices(x, [3, 2], [2, 2], [1, 1]);
        var plain = Functional.MaxPool2d(x, [3, 2], [2, 2], [1, 1]);
        Assert.Equal(DType.Int64, indices.DType);
        var xs = x.ToDoubleArray();
        var v = values.ToDoubleArray();
        var p = plain.ToDoubleArray();
        var idx = indices.ToArray<long>();
        int oh = values.Shape[2], ow = values.Shape[3];
        for (int plane = 0; plane < 6; plane++)
        for (int i = 0; i < oh; i++)
        for (int j = 0; j < ow; j++)
        {
            double max = double.NegativeInfinity;
            for (int a = 0; a < 3; a++)
            for (int e = 0; e < 2; e++)
            {
                int h = i * 2 - 1 + a, w = j * 2 - 1 + e;
                if (h >= 0 && h < 6 && w >= 0 && w < 7) max = Math.Max(max, xs[plane * 42 + h * 7 + w]);
            }
            int o = (plane * oh + i) * ow + j;
            Assert.Equal(max, v[o]);
            Assert.Equal(max, p[o]);
            Assert.Equal(max, xs[plane * 42 + (int)idx[o]]);
        }
    }

    [Fact]
    public void UnbatchedInputsKeepTheirRank()
    {
        var x = Tensor.Randn([3, 8], new Generator(8));
        Assert.Equal([3, 4], Functional.MaxPool1d(x, 2).Shape.ToArray());
        Assert.Equal([3, 4], Functional.AvgPool1d(x, 2).Shape.ToArray());
        Assert.Equal([2, 6], Functional.Conv1d(x, Tensor.Randn([2, 3, 3], new Generator(9))).Shape.ToArray());
    }

    [Fact]
    public void LayerDescriptionsMatchPyTorch()
    {
        Assert.Equal("Conv2d(1, 20, kernel_size=(5, 5), stride=(1, 1))", new Conv2d(1, 20, 5).ToString());
        Assert.Equal("Conv1d(2, 3, kernel_size=(3,), stride=(1,))", new Conv1d(2, 3, 3).ToString());
        Assert.Equal("Conv2d(2, 2, kernel_size=(3, 4), stride=(1, 1), padding=same, bias=False)",
            new Conv2d(2, 2, [3, 4], "same", bias: false).ToString());
        Assert.Equal("ConvTranspose2d(3, 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(2, 2), output_padding=(1, 1))",
            new ConvTranspose2d(3, 2, 3, stride: 2, padding: 1, outputPadding: 1, dilation: 2).ToString());
        Assert.Equal("MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", new MaxPool2d(2).ToString());
        Assert.Equal("AvgPool2d(kernel_size=3, stride=2, padding=1)", new AvgPool2d(3, 2, 1).ToString());
        Assert.Equal("AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))", new AvgPool1d(2).ToString());
        Assert.Equal("AdaptiveAvgPool2d(output_size=(2, None))", new AdaptiveAvgPool2d([2, null]).ToString());
        Assert.Equal("BatchNorm2d(3, eps=1e-05, momentum=None, affine=True, track_running_stats=True)", new BatchNorm2d(3, momentum: null).ToString());
        Assert.Equal("LayerNorm((5,), eps=1e-05, elementwise_affine=True)", new LayerNorm(5).ToString());
        Assert.Equal("GroupNorm(2, 4, eps=1e-05, affine=True)", new GroupNorm(2, 4).ToString());
        Assert.Equal("InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)", new InstanceNorm2d(3).ToString());
        Assert.Equal("Upsample(scale_factor=2.0, mode=nearest)", new Upsample(2.0).ToString());
        Assert.Equal("PixelShuffle(upscale_factor=2)", new PixelShuffle(2).ToString());
    }

    [Fact]
    public void ConvLayerInitialisationStaysInsidePyTorchBounds()
    {
        var conv = new Conv2d(3, 8, 3, generator: new Generator(1));
        double bound = 1 / Math.Sqrt(3 * 9);
        Assert.All(conv.Weight.ToDoubleArray(), v => Assert.InRange(v, -bound, bound));
        Assert.All(conv.Bias!.ToDoubleArray(), v => Assert.InRange(v, -bound, bound));
        Assert.True(conv.Weight.ToDoubleArray().Max() > bound / 2, "weights should spread over the bound");
        var names = conv.NamedParameters().Select(kv => kv.Key).ToArray();
        Assert.Equal(["weight", "bias"], names);
        var bn = new BatchNorm2d(4);
        Assert.Equal(["running_mean", "running_var", "num_batches_tracked"], bn.NamedBuffers().Select(kv => kv.Key).ToArray());
    }
}
