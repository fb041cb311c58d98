using Avalon.Backends.Cpu.Convolution;
using Avalon.Primitives.Convolution;
using static Avalon.Tests.Backends.Cpu.ConvolutionKernelTests;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// The backward kernels take samples in chunks that share one GEMM. These tests force every chunk size
/// (one sample, sizes that leave a remainder, the whole batch and more) and compare each gradient entry
/// with a naive float64 loop written here.
/// </summary>
public class ConvolutionChunkTests
{
    public static TheoryData<ConvCase, int> ChunkCases()
    {
        var cases = new ConvCase[]
        {
            new(7, 1, 3, 1, [9, 8], [3, 3], [1, 1], [0, 0], [1, 1]),
            new(7, 4, 6, 2, [7, 9], [3, 2], [2, 1], [1, 1], [1, 2]),
            new(5, 3, 3, 3, [11], [3], [1], [2], [2]),
            new(6, 2, 4, 1, [4, 5, 3], [2, 3, 2], [1, 2, 1], [1, 0, 1], [1, 1, 1]),
            new(5, 2, 3, 1, [6, 6], [6, 6], [1, 1], [0, 0], [1, 1]),
        };
        var data = new TheoryData<ConvCase, int>();
        foreach (var c in cases)
            foreach (int chunk in new[] { 1, 2, 3, c.N, c.N + 1 })
                data.Add(c, chunk);
        return data;
    }

    [Theory]
    [MemberData(nameof(ChunkCases))]
    public void BackwardInput_AnyChunkSize_MatchesNaive(ConvCase c, int chunk)
    {
        var rng = new Random(StableSeed(c) + chunk);
        var g = c.Geometry();
        double[] x = RandomArray(rng, g.InputLength), w = RandomArray(rng, g.WeightLength), gy = RandomArray(rng, g.OutputLength);
        var (expected, _) = NaiveGradients(c, x, w, gy);

        var gx = RandomArray(rng, g.InputLength); // garbage that must be overwritten
        ConvolutionBackwardInput.Run<double>(g, gy, w, gx, chunk);
        AssertClose(expected, gx, 1e-12, $"float64 grad_input, {chunk} samples per chunk");

        var gxf = new float[g.InputLength];
        ConvolutionBackwardInput.Run<float>(g, ToFloat(gy), ToFloat(w), gxf, chunk);
        AssertClose(expected, ToDouble(gxf), 1e-5, $"float32 grad_input, {chunk} samples per chunk");
    }

    [Theory]
    [MemberData(nameof(ChunkCases))]
    public void BackwardWeight_AnyChunkSize_MatchesNaive(ConvCase c, int chunk)
    {
        var rng = new Random(StableSeed(c) + 100 + chunk);
        var g = c.Geometry();
        double[] x = RandomArray(rng, g.InputLength), w = RandomArray(rng, g.WeightLength), gy = RandomArray(rng, g.OutputLength);
        var (_, expected) = NaiveGradients(c, x, w, gy);

        var gw = RandomArray(rng, g.WeightLength);
        ConvolutionBackwardWeight.Run<double>(g, x, gy, gw, chunk);
        AssertClose(expected, gw, 1e-12, $"float64 grad_weight, {chunk} samples per chunk");

        var gwf = new float[g.WeightLength];
        ConvolutionBackwardWeight.Run<float>(g, ToFloat(x), ToFloat(gy), gwf, chunk);
        AssertClose(expected, ToDouble(gwf), 1e-4, $"float32 grad_weight, {chunk} samples per chunk");
    }

    /// <summary>Input and weight gradients of ⟨gy, conv(x, w)⟩ by one direct loop over every product term.</summary>
    private static (double[] GradInput, double[] GradWeight) NaiveGradients(ConvCase c, double[] x, double[] w, double[] gy)
    {
        int[] i3 = Pad3(c.Input, 1), k3 = Pad3(c.Kernel, 1), s3 = Pad3(c.Stride, 1), p3 = Pad3(c.Padding, 0),
            d3 = Pad3(c.Dilation, 1), o3 = Pad3(c.OutputSize(), 1);
        int cinG = c.Cin / c.Groups, coutG = c.Cout / c.Groups;
        var gx = new double[x.Length];
        var gw = new double[w.Length];
        int yi = 0;
        for (int n = 0; n < c.N; n++)
        for (int co = 0; co < c.Cout; co++)
        for (int od = 0; od < o3[0]; od++)
        for (int oh = 0; oh < o3[1]; oh++)
        for (int ow = 0; ow < o3[2]; ow++, yi++)
        {
            int grp = co / coutG;
            for (int ci = 0; ci < cinG; ci++)
            for (int kd = 0; kd < k3[0]; kd++)
            for (int kh = 0; kh < k3[1]; kh++)
            for (int kw = 0; kw < k3[2]; kw++)
            {
                int id = od * s3[0] - p3[0] + kd * d3[0];
                int ih = oh * s3[1] - p3[1] + kh * d3[1];
                int iw = ow * s3[2] - p3[2] + kw * d3[2];
                if (id < 0 || id >= i3[0] || ih < 0 || ih >= i3[1] || iw < 0 || iw >= i3[2]) continue;
                int xIndex = (((n * c.Cin + grp * cinG + ci) * i3[0] + id) * i3[1] + ih) * i3[2] + iw;
                int wIndex = (((co * cinG + ci) * k3[0] + kd) * k3[1] + kh) * k3[2] + kw;
                gx[xIndex] += gy[yi] * w[wIndex];
                gw[wIndex] += gy[yi] * x[xIndex];
            }
        }
        return (gx, gw);
    }

    private static int[] Pad3(int[] v, int fill)
    {
        var r = new[] { fill, fill, fill };
        Array.Copy(v, 0, r, 3 - v.Length, v.Length);
        return r;
    }
}
