using Avalon.Backends.Cpu.Convolution;
using static Avalon.Tests.Backends.Cpu.ConvolutionKernelTests;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// The direct input and weight gradients (stride 1, no dilation) on the shapes they are dispatched for:
/// element by element against the vol2col + GEMM path in float64 and float32, and against the naive
/// forward by the adjoint identities ⟨conv(x; w), gy⟩ = ⟨x, gx⟩ = ⟨w, gw⟩.
/// </summary>
public class DirectConvolutionGradientTests
{
    /// <summary>
    /// Cases, the samples per weight-gradient chunk, and the weight-gradient kernel they take with AVX-512 and
    /// with AVX2 alone (whose limits are tighter, see <see cref="DirectWeightGradient"/>).
    /// </summary>
    public static TheoryData<ConvCase, int, string, string> GradientCases => new()
    {
        // The benchmark CNN's layers at small batches, chunks forced to hold enough positions for the channel kernel.
        { new(5, 16, 32, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1]), 3, "ChannelLanes", "ChannelLanes" },
        { new(12, 32, 32, 1, [7, 7], [3, 3], [1, 1], [1, 1], [1, 1]), 11, "ChannelLanes", "ChannelLanes" },
        { new(3, 32, 32, 1, [7, 7], [3, 3], [1, 1], [1, 1], [1, 1]), 1, "None", "None" }, // 49 positions a chunk
        { new(9, 20, 50, 1, [12, 12], [5, 5], [1, 1], [0, 0], [1, 1]), 8, "ChannelLanes", "ChannelLanes" }, // LeNet's second layer
        { new(5, 5, 7, 1, [11, 10], [3, 3], [1, 1], [1, 1], [1, 1]), 5, "ChannelLanes", "ChannelLanes" }, // 45 taps, 7 channels
        { new(2, 4, 37, 1, [19, 23], [3, 5], [1, 1], [2, 2], [1, 1]), 2, "ChannelLanes", "None" }, // 37 = 32 + 5 channels
        { new(3, 16, 6, 2, [20, 21], [3, 3], [1, 1], [0, 2], [1, 1]), 2, "ChannelLanes", "None" }, // groups; padding 0 and k − 1
        { new(40, 24, 9, 3, [17], [5], [1], [2], [1]), 34, "ChannelLanes", "ChannelLanes" },                // 1d with groups
        { new(7, 1, 16, 1, [28, 28], [3, 3], [1, 1], [1, 1], [1, 1]), 1, "PositionLanes", "PositionLanes" }, // the first layer
        { new(3, 3, 10, 1, [13, 9], [3, 3], [1, 1], [1, 1], [1, 1]), 2, "PositionLanes", "PositionLanes" }, // 27 taps, 10 channels
        { new(2, 1, 6, 1, [12, 12], [5, 5], [1, 1], [0, 0], [1, 1]), 1, "None", "None" },   // rows 12 wide for 8 outputs
        { new(1, 4, 4, 1, [3, 3], [2, 2], [1, 1], [1, 1], [1, 1]), 1, "PositionLanes", "PositionLanes" }, // plane smaller than a vector
    };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void DirectGradientsMatchGemmAndAreAdjointsOfTheForward(ConvCase c, int chunk, string kernelName, string kernelName256) =>
        DirectConvolutionTests.WithoutWinograd(() => DirectGradientsMatchGemm(c, chunk, kernelName, kernelName256));

    private static void DirectGradientsMatchGemm(ConvCase c, int chunk, string kernelName, string kernelName256)
    {
        var g = c.Geometry();
        bool avx2 = Avalon.Backends.Cpu.GemmMicroKernel256<float>.IsSupported;
        bool inputDirect = DirectInputGradient.TryAdjoint<float>(g, out _);
        var kernel = Enum.Parse<DirectWeightGradient.Kernel>(Avalon.Backends.Cpu.GemmMicroKernel512<float>.IsSupported ? kernelName : kernelName256);
        Assert.Equal(avx2 ? kernel : DirectWeightGradient.Kernel.None, DirectWeightGradient.Choose<float>(g, chunk));
        Assert.True(inputDirect == (avx2 && c.Cin / c.Groups >= 4 && 4 * g.OutputPlane >= 3 * g.InputPlane),
            $"{c}: the direct input gradient applies with four or more input channels per group and an output plane at least 3/4 of the input's.");

        var rng = new Random(StableSeed(c));
        double[] x = RandomArray(rng, g.InputLength), w = RandomArray(rng, g.WeightLength), gy = RandomArray(rng, g.OutputLength);
        double lhs = Dot(NaiveConv(c, x, w, null), gy);

        var gx = new double[g.InputLength];
        ConvolutionBackwardInput.Run<double>(g, gy, w, gx);
        var gxGemm = new double[g.InputLength];
        ConvolutionBackwardInput.Run<double>(g, gy, w, gxGemm, samplesPerChunk: 2);
        AssertClose(gxGemm, gx, 1e-12, $"{c}: float64 input gradient against GEMM + col2vol");
        AssertClose([lhs], [Dot(x, gx)], 1e-11, $"{c}: ⟨conv(x), gy⟩ = ⟨x, gx⟩");

        var gw = new double[g.WeightLength];
        ConvolutionBackwardWeight.Run<double>(g, x, gy, gw, samplesPerChunk: chunk);
        var gwGemm = new double[g.WeightLength];
        ConvolutionBackwardWeight.Run<double>(g, x, gy, gwGemm, samplesPerChunk: 0, allowDirect: false);
        AssertClose(gwGemm, gw, 1e-12, $"{c}: float64 weight gradient against vol2col + GEMM");
        AssertClose([lhs], [Dot(w, gw)], 1e-11, $"{c}: ⟨conv(x; w), gy⟩ = ⟨w, gw⟩");

        float[] xf = ToFloat(x), wf = ToFloat(w), gyf = ToFloat(gy);
        var gxf = new float[g.InputLength];
        ConvolutionBackwardInput.Run<float>(g, gyf, wf, gxf);
        AssertClose(gxGemm, ToDouble(gxf), 5e-5, $"{c}: float32 input gradient (sums of up to 1,250 terms)");
        var gwf = new float[g.WeightLength];
        ConvolutionBackwardWeight.Run<float>(g, xf, gyf, gwf, samplesPerChunk: chunk);
        AssertClose(gwGemm, ToDouble(gwf), 5e-5, $"{c}: float32 weight gradient");
    }

    [Fact]
    public void WeightGradientChunksDoNotChangeTheDirectResult()
    {
        // Every split of the batch into chunks gives the same gradient to rounding (each chunk sums its samples
        // in order; the partials are then added in chunk order), on both kernels and GEMM.
        var c = new ConvCase(9, 6, 10, 1, [20, 29], [3, 3], [1, 1], [1, 1], [1, 1]);
        var g = c.Geometry();
        var rng = new Random(StableSeed(c));
        double[] x = RandomArray(rng, g.InputLength), gy = RandomArray(rng, g.OutputLength);
        var reference = new double[g.WeightLength];
        ConvolutionBackwardWeight.Run<double>(g, x, gy, reference, samplesPerChunk: 0, allowDirect: false);
        foreach (int chunk in new[] { 1, 2, 4, 9 })
        {
            var gw = new double[g.WeightLength];
            ConvolutionBackwardWeight.Run<double>(g, x, gy, gw, samplesPerChunk: chunk);
            AssertClose(reference, gw, 1e-12, $"{chunk} samples per chunk");
        }
    }

    [Fact]
    public void StridedDilatedOrOverPaddedLayersStayOnGemm()
    {
        Assert.Equal(DirectWeightGradient.Kernel.None, DirectWeightGradient.Choose<float>(new ConvCase(1, 8, 8, 1, [30, 30], [3, 3], [2, 2], [1, 1], [1, 1]).Geometry(), 8));
        // LeNet's second layer (8² outputs of 12² inputs), strided, dilated or over-padded: no adjoint forward on the direct kernel.
        Assert.False(DirectInputGradient.TryAdjoint<float>(new ConvCase(1, 20, 50, 1, [12, 12], [5, 5], [1, 1], [0, 0], [1, 1]).Geometry(), out _));
        Assert.False(DirectInputGradient.TryAdjoint<float>(new ConvCase(1, 8, 8, 1, [9, 9], [3, 3], [2, 2], [1, 1], [1, 1]).Geometry(), out _));
        Assert.False(DirectInputGradient.TryAdjoint<float>(new ConvCase(1, 8, 8, 1, [9, 9], [3, 3], [1, 1], [1, 1], [2, 2]).Geometry(), out _));
        Assert.False(DirectInputGradient.TryAdjoint<float>(new ConvCase(1, 8, 8, 1, [9, 9], [3, 3], [1, 1], [3, 3], [1, 1]).Geometry(), out _));
    }
}
