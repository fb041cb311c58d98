using Avalon.Backends.Cpu.Convolution;
using static Avalon.Tests.Backends.Cpu.ConvolutionKernelTests;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// The Winograd F(4×4, 3×3) forward against the naive float64 convolution and against the kernel it replaces,
/// on the shapes it is dispatched for: the benchmark CNN's layers and their input gradients' adjoints, planes
/// that are not whole tiles, no padding and padding wider than needed, groups, channel counts that are not whole
/// vectors, several blocks of tiles per sample, and float64.
/// </summary>
public class WinogradConvolutionTests
{
    public static TheoryData<ConvCase> WinogradCases => new()
    {
        new(2, 16, 32, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1]),  // the benchmark CNN's second layer
        new(3, 32, 32, 1, [7, 7], [3, 3], [1, 1], [1, 1], [1, 1]),    // its third: 2×2 tiles for 7×7 outputs
        new(2, 32, 16, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1]),  // the second layer's input gradient as a forward
        new(3, 9, 11, 1, [10, 13], [3, 3], [1, 1], [0, 0], [1, 1]),   // no padding, 8×11 outputs, odd channel counts
        new(2, 16, 24, 2, [9, 6], [3, 3], [1, 1], [1, 1], [1, 1]),    // groups: 8 → 12 per group
        new(2, 8, 8, 1, [4, 5], [3, 3], [1, 1], [2, 2], [1, 1]),      // padding wider than the kernel needs
        new(2, 40, 20, 1, [17, 11], [3, 3], [1, 1], [1, 1], [1, 1]),  // 40 inputs, 20 outputs: lanes past the channels
        new(2, 64, 72, 1, [30, 26], [3, 3], [1, 1], [1, 1], [1, 1]),  // 56 tiles: several blocks of tiles per sample
    };

    [Theory]
    [MemberData(nameof(WinogradCases))]
    public void WinogradIsDispatchedAndMatchesNaive(ConvCase c)
    {
        var g = c.Geometry();
        Assert.True(WinogradConvolution.Applies<float>(g) == Avalon.Backends.Cpu.GemmMicroKernel256<float>.IsSupported,
            $"{c}: the Winograd kernel should be dispatched wherever AVX2 and FMA are available.");
        var rng = new Random(StableSeed(c));
        double[] x = RandomArray(rng, g.InputLength), w = RandomArray(rng, g.WeightLength), b = RandomArray(rng, c.Cout);

        var y = new double[g.OutputLength];
        ConvolutionForward.Run<double>(g, x, w, b, y);
        AssertClose(NaiveConv(c, x, w, b), y, 1e-12, $"{c}: float64 with bias");

        float[] xf = ToFloat(x), wf = ToFloat(w), bf = ToFloat(b);
        var yf = new float[g.OutputLength];
        ConvolutionForward.Run<float>(g, xf, wf, bf, yf);
        double[] expected = NaiveConv(c, ToDouble(xf), ToDouble(wf), ToDouble(bf));
        // The transforms scale by up to 8 and 1/24: float32 Winograd sums carry an error of a few 1e-6 of the outputs'
        // scale, against about 1e-7 direct.
        AssertCloseToScale(expected, ToDouble(yf), 2e-5, $"{c}: float32 with bias");

        // The kernel it replaces, on the same problem: the two agree to the transforms' rounding.
        var other = new float[g.OutputLength];
        DirectConvolutionTests.WithoutWinograd(() => ConvolutionForward.Run<float>(g, xf, wf, bf, other));
        AssertCloseToScale(ToDouble(other), ToDouble(yf), 2e-5, $"{c}: Winograd against the direct kernel");
    }

    [Theory]
    [MemberData(nameof(WinogradCases))]
    public void WinogradGradientsMatchGemmAndAreAdjointsOfTheForward(ConvCase c)
    {
        // The weight gradient by F(3×3, 4×4) and the input gradient (a forward of the flipped weight, so Winograd
        // too), against vol2col + GEMM and the adjoint identities ⟨conv(x; w), gy⟩ = ⟨x, gx⟩ = ⟨w, gw⟩.
        var g = c.Geometry();
        Assert.True(WinogradWeightGradient.Applies<float>(g) == Avalon.Backends.Cpu.GemmMicroKernel256<float>.IsSupported,
            $"{c}: the Winograd weight gradient should be dispatched wherever AVX2 and FMA are available.");
        var rng = new Random(StableSeed(c) + 3);
        double[] x = RandomArray(rng, g.InputLength), w = RandomArray(rng, g.WeightLength), gy = RandomArray(rng, g.OutputLength);
        double lhs = Dot(NaiveConv(c, x, w, null), gy);

        var gw = new double[g.WeightLength];
        ConvolutionBackwardWeight.Run<double>(g, x, gy, gw);
        var gwGemm = new double[g.WeightLength];
        ConvolutionBackwardWeight.Run<double>(g, x, gy, gwGemm, samplesPerChunk: 0, allowDirect: false);
        AssertClose(gwGemm, gw, 1e-12, $"{c}: float64 weight gradient against vol2col + GEMM");
        AssertClose([lhs], [Dot(w, gw)], 1e-11, $"{c}: ⟨conv(x; w), gy⟩ = ⟨w, gw⟩");
        var gx = new double[g.InputLength];
        ConvolutionBackwardInput.Run<double>(g, gy, w, gx);
        AssertClose([lhs], [Dot(x, gx)], 1e-11, $"{c}: ⟨conv(x), gy⟩ = ⟨x, gx⟩");

        float[] xf = ToFloat(x), gyf = ToFloat(gy);
        var gwf = new float[g.WeightLength];
        ConvolutionBackwardWeight.Run<float>(g, xf, gyf, gwf);
        AssertCloseToScale(gwGemm, ToDouble(gwf), 2e-5, $"{c}: float32 weight gradient");
        // Every cut of the batch into chunks gives the same gradient to rounding.
        var oneChunkEach = new float[g.WeightLength];
        ConvolutionBackwardWeight.Run<float>(g, xf, gyf, oneChunkEach, samplesPerChunk: 1);
        AssertCloseToScale(ToDouble(gwf), ToDouble(oneChunkEach), 2e-5, $"{c}: float32 weight gradient, a chunk per sample");
    }

    [Theory]
    [InlineData(2, 16, 32, 5, 1, 1)]   // 5×5 kernel
    [InlineData(2, 16, 32, 3, 2, 1)]   // stride 2
    [InlineData(2, 16, 32, 3, 1, 2)]   // dilation 2
    [InlineData(2, 4, 32, 3, 1, 1)]    // four input channels: the transforms would cost more than they save
    [InlineData(2, 16, 4, 3, 1, 1)]    // four output channels
    public void OtherLayersKeepTheirKernels(int n, int cin, int cout, int kernel, int stride, int dilation)
    {
        var c = new ConvCase(n, cin, cout, 1, [14, 14], [kernel, kernel], [stride, stride], [1, 1], [dilation, dilation]);
        Assert.False(WinogradConvolution.Applies<float>(c.Geometry()), $"{c}: not a Winograd layer.");
    }

    [Fact]
    public void TheSwitchIsTheCallingThreadsOwn()
    {
        var g = new ConvCase(2, 16, 32, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1]).Geometry();
        bool expected = Avalon.Backends.Cpu.GemmMicroKernel256<float>.IsSupported;
        WinogradConvolution.Enabled = false;
        try
        {
            bool elsewhere = false;
            var thread = new Thread(() => elsewhere = WinogradConvolution.Applies<float>(g));
            thread.Start();
            thread.Join();
            Assert.False(WinogradConvolution.Applies<float>(g));
            Assert.Equal(expected, elsewhere);
        }
        finally
        {
            WinogradConvolution.Enabled = true;
        }
    }
}
