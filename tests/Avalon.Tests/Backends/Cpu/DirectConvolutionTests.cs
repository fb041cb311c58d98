using Avalon.Backends.Cpu.Convolution;
using Avalon.Primitives.Convolution;
using static Avalon.Tests.Backends.Cpu.ConvolutionKernelTests;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// The direct convolution kernel (stride 1, no dilation) against the naive float64 convolution, on the shapes
/// it is dispatched for (one to 32 input channels, 3×3 and 5×5, padding, non-square, 1d, groups, batch 1,
/// output channels not a multiple of its blocks of four and eight) and next to the im2col + GEMM path it replaces.
/// </summary>
public class DirectConvolutionTests
{
    public static TheoryData<ConvCase> DirectCases => new()
    {
        new(3, 1, 20, 1, [28, 28], [5, 5], [1, 1], [0, 0], [1, 1]),   // LeNet's first layer
        new(2, 1, 16, 1, [28, 28], [3, 3], [1, 1], [1, 1], [1, 1]),   // the benchmark CNN's first layer
        new(1, 1, 6, 1, [9, 13], [3, 5], [1, 1], [1, 2], [1, 1]),     // non-square, batch 1, 6 = 4 + 2 channels
        new(2, 3, 5, 1, [7, 6], [3, 3], [1, 1], [2, 0], [1, 1]),      // three channels, padding wider than needed
        new(1, 2, 3, 1, [4, 4], [2, 2], [1, 1], [0, 0], [1, 1]),      // tiny plane: fewer positions than a vector block
        new(2, 4, 6, 2, [10, 11], [3, 3], [1, 1], [1, 1], [1, 1]),    // groups: 2 channels and 3 outputs per group
        new(3, 1, 7, 1, [40], [7], [1], [3], [1]),                    // 1d
        new(1, 1, 1, 1, [33, 17], [5, 5], [1, 1], [2, 2], [1, 1]),    // one output channel
        new(2, 16, 32, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1]),  // the benchmark CNN's second layer: eight-channel blocks
        new(2, 32, 13, 1, [7, 7], [3, 3], [1, 1], [1, 1], [1, 1]),    // 13 = 8 + 4 + 1 output channels, 288 taps
        new(1, 3, 11, 1, [8, 9], [3, 3], [1, 1], [1, 1], [1, 1]),     // 11 = 6 + 5 on 256-bit vectors (a six-block repeating its last channel)
        new(1, 20, 50, 1, [12, 12], [5, 5], [1, 1], [0, 0], [1, 1]),  // LeNet's second layer (along channels)
        new(2, 8, 64, 2, [6, 6], [3, 3], [1, 1], [0, 0], [1, 1]),     // groups along channels: 32 outputs per group
        new(2, 4, 40, 1, [10], [5], [1], [0], [1]),                   // 1d along channels, 40 = 32 + 8 outputs
    };

    [Theory]
    [MemberData(nameof(DirectCases))]
    public void DirectKernelIsDispatchedAndMatchesNaive(ConvCase c) => WithoutWinograd(() =>
    {
        var g = c.Geometry();
        Assert.True(DirectConvolution.Applies<float>(g) == Avalon.Backends.Cpu.GemmMicroKernel256<float>.IsSupported,
            $"{c}: the direct kernel should be dispatched wherever AVX2 and FMA are available.");
        var rng = new Random(StableSeed(c));
        double[] x = RandomArray(rng, g.InputLength), w = RandomArray(rng, g.WeightLength), b = RandomArray(rng, c.Cout);

        var y = new double[g.OutputLength];
        ConvolutionForward.Run<double>(g, x, w, b, y);
        AssertClose(NaiveConv(c, x, w, b), y, 1e-12, $"{c}: float64 with bias");

        float[] xf = ToFloat(x), wf = ToFloat(w);
        var yf = new float[g.OutputLength];
        ConvolutionForward.Run<float>(g, xf, wf, ReadOnlySpan<float>.Empty, yf);
        AssertClose(NaiveConv(c, ToDouble(xf), ToDouble(wf), null), ToDouble(yf), 1e-5, $"{c}: float32 without bias");

        // The GEMM path on the same problem: the two agree to rounding.
        var viaGemm = new float[g.OutputLength];
        ConvolutionForward.Run<float>(g, xf, wf, ReadOnlySpan<float>.Empty, viaGemm, allowDirect: false);
        AssertClose(ToDouble(viaGemm), ToDouble(yf), 1e-5, $"{c}: direct against im2col + GEMM");
    });

    [Theory]
    [MemberData(nameof(DirectCases))]
    public void SixAndFourChannelBlocksGiveTheSameBits(ConvCase c) => WithoutWinograd(() =>
    {
        // Each output is one sum over the taps in weight order whichever block computes it, so the 256-bit
        // kernel's six-channel blocks (and their remainders) must reproduce the four-channel blocks exactly.
        var g = c.Geometry();
        var rng = new Random(StableSeed(c) + 1);
        float[] x = ToFloat(RandomArray(rng, g.InputLength)), w = ToFloat(RandomArray(rng, g.WeightLength)), b = ToFloat(RandomArray(rng, c.Cout));
        var six = new float[g.OutputLength];
        var four = new float[g.OutputLength];
        bool saved = DirectConvolution.SixChannelBlocks;
        try
        {
            DirectConvolution.SixChannelBlocks = true;
            ConvolutionForward.Run<float>(g, x, w, b, six);
            DirectConvolution.SixChannelBlocks = false;
            ConvolutionForward.Run<float>(g, x, w, b, four);
        }
        finally
        {
            DirectConvolution.SixChannelBlocks = saved;
        }
        for (int i = 0; i < six.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(six[i]) == BitConverter.SingleToInt32Bits(four[i]), $"{c}: output {i}: {six[i]} against {four[i]}");
    });

    /// <summary>Runs <paramref name="test"/> with the Winograd kernel off on this thread, so that 3×3 layers of eight channels or more take the direct kernel.</summary>
    internal static void WithoutWinograd(Action test)
    {
        WinogradConvolution.Enabled = false;
        try
        {
            test();
        }
        finally
        {
            WinogradConvolution.Enabled = true;
        }
    }

    [Theory]
    [MemberData(nameof(DirectCases))]
    public unsafe void WholeVectorsPerRowGiveTheBitsOfThePaddedNumbering(ConvCase c)
    {
        // Computing each output row in whole vectors (fewer columns than the padded rows where outW rounds up
        // to less) changes which positions are computed and dropped, not any output's sum.
        var g = c.Geometry();
        if (!DirectConvolution.Applies<float>(g)) return;
        var rng = new Random(StableSeed(c) + 2);
        float[] x = ToFloat(RandomArray(rng, g.InputLength)), w = ToFloat(RandomArray(rng, g.WeightLength)), b = ToFloat(RandomArray(rng, c.Cout));
        double[] xd = RandomArray(rng, g.InputLength), wd = RandomArray(rng, g.WeightLength), bd = RandomArray(rng, c.Cout);
        int slice = g.OutChannelsPerGroup * g.OutputPlane;
        float[] rows = new float[slice], padded = new float[slice];
        double[] rowsD = new double[slice], paddedD = new double[slice];
        bool saved = DirectConvolution.RowVectors;
        try
        {
            fixed (float* px = x, pw = w, pb = b, pr = rows, pp = padded)
            fixed (double* pxd = xd, pwd = wd, pbd = bd, prd = rowsD, ppd = paddedD)
            {
                DirectConvolution.RowVectors = true;
                DirectConvolution.Run(g, px, pw, pb, pr);
                DirectConvolution.Run(g, pxd, pwd, pbd, prd);
                DirectConvolution.RowVectors = false;
                DirectConvolution.Run(g, px, pw, pb, pp);
                DirectConvolution.Run(g, pxd, pwd, pbd, ppd);
            }
        }
        finally
        {
            DirectConvolution.RowVectors = saved;
        }
        for (int i = 0; i < slice; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(rows[i]) == BitConverter.SingleToInt32Bits(padded[i]), $"{c}: float32 output {i}: {rows[i]} against {padded[i]}");
            Assert.True(BitConverter.DoubleToInt64Bits(rowsD[i]) == BitConverter.DoubleToInt64Bits(paddedD[i]), $"{c}: float64 output {i}: {rowsD[i]} against {paddedD[i]}");
        }
        // And against the naive float64 convolution of the first sample and group.
        var first = new ConvCase(1, g.InChannelsPerGroup, g.OutChannelsPerGroup, 1, c.Input, c.Kernel, c.Stride, c.Padding, c.Dilation);
        AssertClose(NaiveConv(first, xd[..(g.InChannelsPerGroup * g.InputPlane)], wd[..(g.OutChannelsPerGroup * g.ColumnRows)], bd[..g.OutChannelsPerGroup]), rowsD, 1e-12, $"{c}: float64 rows");
    }

    [Theory]
    [MemberData(nameof(DirectCases))]
    public void BothVectorWidthsGiveTheSameBits(ConvCase c) => WithoutWinograd(() =>
    {
        // On a machine with 512-bit vectors the forward may run in 256-bit ones (NarrowVectors); each output is
        // the same sum over the taps in weight order either way, along positions or along channels.
        var g = c.Geometry();
        var rng = new Random(StableSeed(c) + 3);
        double[] xd = RandomArray(rng, g.InputLength), wd = RandomArray(rng, g.WeightLength), bd = RandomArray(rng, c.Cout);
        float[] x = ToFloat(xd), w = ToFloat(wd), b = ToFloat(bd);
        float[] narrow = new float[g.OutputLength], wide = new float[g.OutputLength];
        double[] narrowD = new double[g.OutputLength], wideD = new double[g.OutputLength];
        bool? saved = DirectConvolution.NarrowVectorsOverride;
        try
        {
            DirectConvolution.NarrowVectorsOverride = true;
            ConvolutionForward.Run<float>(g, x, w, b, narrow);
            ConvolutionForward.Run<double>(g, xd, wd, bd, narrowD);
            DirectConvolution.NarrowVectorsOverride = false;
            ConvolutionForward.Run<float>(g, x, w, b, wide);
            ConvolutionForward.Run<double>(g, xd, wd, bd, wideD);
        }
        finally
        {
            DirectConvolution.NarrowVectorsOverride = saved;
        }
        for (int i = 0; i < narrow.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(narrow[i]) == BitConverter.SingleToInt32Bits(wide[i]), $"{c}: float32 output {i}: {narrow[i]} against {wide[i]}");
            Assert.True(BitConverter.DoubleToInt64Bits(narrowD[i]) == BitConverter.DoubleToInt64Bits(wideD[i]), $"{c}: float64 output {i}: {narrowD[i]} against {wideD[i]}");
        }
        AssertClose(NaiveConv(c, xd, wd, bd), narrowD, 1e-12, $"{c}: float64, 256-bit vectors");
    });

    [Fact]
    public void NarrowVectorsAreChosenWhereTheyComputeFewerPositionsThanTheWideGain()
    {
        static ConvGeometry Layer(int batch, int cin, int cout, int size, int k, int pad) =>
            new ConvCase(batch, cin, cout, 1, [size, size], [k, k], [1, 1], [pad, pad], [1, 1]).Geometry();
        var lenet2 = Layer(100, 20, 50, 12, 5, 0);
        double gain = Avalon.Backends.Cpu.VectorThroughput.WideGain, narrow = gain * 1.05;
        if (!Avalon.Backends.Cpu.GemmMicroKernel512<float>.IsSupported)
        {
            Assert.False(DirectConvolution.NarrowVectors<float>(lenet2), "without 512-bit vectors there is no other width");
            return;
        }
        Assert.InRange(gain, 0.5, 4);
        // LeNet's second layer: 8-wide rows exactly (1 position per output) against 64 channel lanes for 50 channels
        // (1.28, and the weight's transposition over 100 × 64 outputs) or the 12-wide padded rows (1.5).
        Assert.Equal(narrow < 64.0 / 50 + 20.0 / 6400, DirectConvolution.NarrowVectors<float>(lenet2));
        Assert.Equal(!(narrow < 64.0 / 50 + 20.0 / 6400), DirectConvolution.PrefersChannelLanes<float>(lenet2));
        // The CNN's third layer: exact channel lanes at 512 bits against 8 of 7 columns at 256 — wide for a batch,
        // where the transposition is shared; for one image the padded rows' 9 of 7 are the best wide layout.
        Assert.Equal(narrow * 8 / 7 < 1 + 20.0 / 4900, DirectConvolution.NarrowVectors<float>(Layer(100, 32, 32, 7, 3, 1)));
        Assert.Equal(narrow * 8 / 7 < 9.0 / 7, DirectConvolution.NarrowVectors<float>(Layer(1, 32, 32, 7, 3, 1)));
        // Its second: 16 of 14 columns at either width and no lanes: the margin keeps the wide kernel near a gain of 1.
        Assert.Equal(narrow < 1, DirectConvolution.NarrowVectors<float>(Layer(1, 16, 32, 14, 3, 1)));
    }

    [Fact]
    public void ChannelLanesAreChosenWherePaddingColumnsAreASixthOfTheWorkOrMore()
    {
        var layer3 = new ConvCase(2, 32, 32, 1, [7, 7], [3, 3], [1, 1], [1, 1], [1, 1]).Geometry();
        if (!Avalon.Backends.Cpu.GemmMicroKernel512<float>.IsSupported)
        {
            // With 256-bit vectors (and without AVX2, where no direct kernel runs) the forward stays along positions.
            Assert.False(DirectConvolution.PrefersChannelLanes<float>(layer3));
            return;
        }
        // The rule for 512-bit vectors, with the width forced (NarrowVectors may take 256-bit ones for some of these).
        bool? saved = DirectConvolution.NarrowVectorsOverride;
        DirectConvolution.NarrowVectorsOverride = false;
        try
        {
            WideChannelLanes();
        }
        finally
        {
            DirectConvolution.NarrowVectorsOverride = saved;
        }
    }

    private static void WideChannelLanes()
    {
        Assert.True(DirectConvolution.PrefersChannelLanes<float>(new ConvCase(2, 32, 32, 1, [7, 7], [3, 3], [1, 1], [1, 1], [1, 1]).Geometry()));
        Assert.True(DirectConvolution.PrefersChannelLanes<float>(new ConvCase(1, 20, 50, 1, [12, 12], [5, 5], [1, 1], [0, 0], [1, 1]).Geometry()));
        Assert.True(DirectConvolution.PrefersChannelLanes<float>(new ConvCase(2, 8, 64, 2, [6, 6], [3, 3], [1, 1], [0, 0], [1, 1]).Geometry()));
        // Few extra columns (14 of 16, 56 of 58), or one vector of channels: along positions.
        Assert.False(DirectConvolution.PrefersChannelLanes<float>(new ConvCase(2, 16, 32, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1]).Geometry()));
        Assert.False(DirectConvolution.PrefersChannelLanes<float>(new ConvCase(1, 64, 64, 1, [56, 56], [3, 3], [1, 1], [1, 1], [1, 1]).Geometry()));
        Assert.False(DirectConvolution.PrefersChannelLanes<float>(new ConvCase(1, 1, 4, 1, [7, 7], [3, 3], [1, 1], [0, 0], [1, 1]).Geometry()));
    }

    [Fact]
    public void DirectKernelIsNotUsedWhereItDoesNotApply()
    {
        // Strided, dilated, 3d, pointwise, a padded sample over the cache budget: all stay on im2col + GEMM.
        Assert.False(DirectConvolution.Applies<float>(new ConvCase(1, 1, 4, 1, [9, 9], [3, 3], [2, 2], [0, 0], [1, 1]).Geometry()));
        Assert.False(DirectConvolution.Applies<float>(new ConvCase(1, 1, 4, 1, [9, 9], [3, 3], [1, 1], [0, 0], [2, 2]).Geometry()));
        Assert.False(DirectConvolution.Applies<float>(new ConvCase(1, 64, 4, 1, [130, 130], [3, 3], [1, 1], [1, 1], [1, 1]).Geometry()));
        Assert.False(DirectConvolution.Applies<float>(new ConvCase(1, 1, 4, 1, [5, 5, 5], [3, 3, 3], [1, 1, 1], [0, 0, 0], [1, 1, 1]).Geometry()));
        Assert.False(DirectConvolution.Applies<float>(new ConvCase(1, 4, 4, 1, [5, 5], [1, 1], [1, 1], [0, 0], [1, 1]).Geometry()));
    }
}
