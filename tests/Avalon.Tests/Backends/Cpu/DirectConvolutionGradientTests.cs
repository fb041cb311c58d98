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
    /// <summary>Cases, and whether the weight gradient takes the direct kernel (with AVX2) or stays on GEMM by its limits.</summary>
    public static TheoryData<ConvCase, bool> GradientCases => new()
    {
        { new(5, 16, 32, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1]), true },   // the benchmark CNN's second layer (small batch)
        { new(3, 32, 32, 1, [7, 7], [3, 3], [1, 1], [1, 1], [1, 1]), true },     // its third: 7 of every 9 padded columns are outputs
        { new(2, 20, 50, 1, [12, 12], [5, 5], [1, 1], [0, 0], [1, 1]), false },  // LeNet's second layer: rows 12 wide for 8 outputs
        { new(3, 5, 7, 1, [11, 10], [3, 3], [1, 1], [1, 1], [1, 1]), true },     // channel and tap counts off every block size
        { new(2, 4, 13, 1, [9, 13], [3, 5], [1, 1], [2, 2], [1, 1]), true },     // non-square kernel, 13 = 8 + 4 + 1 outputs
        { new(2, 8, 6, 2, [10, 11], [3, 3], [1, 1], [0, 2], [1, 1]), true },     // groups; padding 0 and the full k − 1
        { new(3, 6, 9, 3, [17], [5], [1], [2], [1]), true },                     // 1d with groups
        { new(1, 4, 4, 1, [3, 3], [2, 2], [1, 1], [1, 1], [1, 1]), true },       // plane smaller than one vector
        { new(7, 1, 16, 1, [28, 28], [3, 3], [1, 1], [1, 1], [1, 1]), true },    // the first layer (weight gradient only)
    };

    [Theory]
    [MemberData(nameof(GradientCases))]
    public void DirectGradientsMatchGemmAndAreAdjointsOfTheForward(ConvCase c, bool weightDirect)
    {
        var g = c.Geometry();
        bool avx2 = Avalon.Backends.Cpu.GemmMicroKernel256<float>.IsSupported;
        bool inputDirect = DirectInputGradient.TryAdjoint<float>(g, out _);
        Assert.True(DirectWeightGradient.Applies<float>(g) == (avx2 && weightDirect), $"{c}: direct weight gradient dispatch.");
        Assert.True(inputDirect == (avx2 && c.Cin / c.Groups >= 4), $"{c}: the direct input gradient applies with four or more input channels per group.");

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
        ConvolutionBackwardWeight.Run<double>(g, x, gy, gw);
        var gwGemm = new double[g.WeightLength];
        ConvolutionBackwardWeight.Run<double>(g, x, gy, gwGemm, samplesPerChunk: 0, allowDirect: false);
        AssertClose(gwGemm, gw, 1e-12, $"{c}: float64 weight gradient against vol2col + GEMM");
        AssertClose([lhs], [Dot(w, gw)], 1e-11, $"{c}: ⟨conv(x; w), gy⟩ = ⟨w, gw⟩");

        float[] xf = ToFloat(x), wf = ToFloat(w), gyf = ToFloat(gy);
        var gxf = new float[g.InputLength];
        ConvolutionBackwardInput.Run<float>(g, gyf, wf, gxf);
        AssertClose(gxGemm, ToDouble(gxf), 5e-5, $"{c}: float32 input gradient (sums of up to 1,250 terms)");
        var gwf = new float[g.WeightLength];
        ConvolutionBackwardWeight.Run<float>(g, xf, gyf, gwf);
        AssertClose(gwGemm, ToDouble(gwf), 5e-5, $"{c}: float32 weight gradient");
    }

    [Fact]
    public void WeightGradientChunksDoNotChangeTheDirectResult()
    {
        // Every split of the batch into chunks gives the same gradient to rounding (each chunk sums its samples
        // in order; the partials are then added in chunk order).
        var c = new ConvCase(9, 6, 10, 1, [8, 9], [3, 3], [1, 1], [1, 1], [1, 1]);
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
    public void LargeOrWastefulGradientsStayOnGemm()
    {
        // A gradient slice over the size limit, and rows half again as wide as the output (5×5 on 12², no padding).
        Assert.False(DirectWeightGradient.Applies<float>(new ConvCase(1, 256, 256, 1, [14, 14], [3, 3], [1, 1], [1, 1], [1, 1]).Geometry()));
        Assert.False(DirectWeightGradient.Applies<float>(new ConvCase(1, 8, 8, 1, [12, 12], [5, 5], [1, 1], [0, 0], [1, 1]).Geometry()));
        // Strided, dilated or over-padded: no adjoint forward on the direct kernel.
        Assert.False(DirectInputGradient.TryAdjoint<float>(new ConvCase(1, 8, 8, 1, [9, 9], [3, 3], [2, 2], [1, 1], [1, 1]).Geometry(), out _));
        Assert.False(DirectInputGradient.TryAdjoint<float>(new ConvCase(1, 8, 8, 1, [9, 9], [3, 3], [1, 1], [1, 1], [2, 2]).Geometry(), out _));
        Assert.False(DirectInputGradient.TryAdjoint<float>(new ConvCase(1, 8, 8, 1, [9, 9], [3, 3], [1, 1], [3, 3], [1, 1]).Geometry(), out _));
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
