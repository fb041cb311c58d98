using Avalon.Backends.Cpu.Convolution;
using Avalon.Primitives.Convolution;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// Convolution kernels against a naive float64 direct convolution written here, plus adjoint identities
/// for the backward kernels (exact linear algebra: ⟨conv(x), gy⟩ = ⟨x, convᵀ(gy)⟩ and the same for w).
/// </summary>
public class ConvolutionKernelTests
{
    /// <summary>A convolution problem in PyTorch terms (spans have one entry per spatial dimension).</summary>
    public sealed record ConvCase(int N, int Cin, int Cout, int Groups, int[] Input, int[] Kernel, int[] Stride,
        int[] Padding, int[] Dilation)
    {
        internal ConvGeometry Geometry() => ConvGeometry.Create(N, Cin, Cout, Groups, Input, Kernel, Stride, Padding, Dilation);

        public int[] OutputSize()
        {
            var o = new int[Input.Length];
            for (int i = 0; i < o.Length; i++)
                o[i] = (Input[i] + 2 * Padding[i] - Dilation[i] * (Kernel[i] - 1) - 1) / Stride[i] + 1;
            return o;
        }

        public override string ToString() =>
            $"N={N} Cin={Cin} Cout={Cout} g={Groups} in=[{string.Join(",", Input)}] k=[{string.Join(",", Kernel)}] " +
            $"s=[{string.Join(",", Stride)}] p=[{string.Join(",", Padding)}] d=[{string.Join(",", Dilation)}]";
    }

    /// <summary>A transposed convolution problem in PyTorch terms (Cin/Cout are the transposed op's own).</summary>
    public sealed record TransposedCase(int N, int Cin, int Cout, int Groups, int[] Input, int[] Kernel, int[] Stride,
        int[] Padding, int[] OutputPadding, int[] Dilation)
    {
        internal ConvGeometry Geometry() =>
            ConvGeometry.CreateTransposed(N, Cin, Cout, Groups, Input, Kernel, Stride, Padding, OutputPadding, Dilation);

        public int[] OutputSize()
        {
            var o = new int[Input.Length];
            for (int i = 0; i < o.Length; i++)
                o[i] = (Input[i] - 1) * Stride[i] - 2 * Padding[i] + Dilation[i] * (Kernel[i] - 1) + OutputPadding[i] + 1;
            return o;
        }

        public override string ToString() =>
            $"N={N} Cin={Cin} Cout={Cout} g={Groups} in=[{string.Join(",", Input)}] k=[{string.Join(",", Kernel)}] " +
            $"s=[{string.Join(",", Stride)}] p=[{string.Join(",", Padding)}] op=[{string.Join(",", OutputPadding)}] " +
            $"d=[{string.Join(",", Dilation)}]";
    }

    public static TheoryData<ConvCase> ConvCases => new()
    {
        new(1, 1, 3, 1, [7], [3], [1], [0], [1]),
        new(3, 4, 6, 2, [11], [3], [2], [1], [2]),
        new(2, 3, 3, 3, [5], [2], [1], [1], [1]),
        new(2, 2, 2, 1, [10], [2], [4], [0], [1]),
        new(1, 3, 4, 1, [5, 6], [3, 3], [1, 1], [1, 1], [1, 1]),
        new(3, 4, 6, 2, [7, 5], [3, 2], [2, 1], [1, 0], [1, 2]),
        new(2, 4, 8, 4, [6, 7], [3, 3], [2, 2], [1, 1], [1, 1]),
        new(3, 5, 4, 1, [4, 3], [1, 1], [1, 1], [0, 0], [1, 1]),
        new(1, 4, 6, 2, [3, 5], [1, 1], [1, 1], [0, 0], [3, 2]),
        new(2, 3, 2, 1, [5, 5], [1, 1], [2, 2], [0, 0], [1, 1]),
        new(1, 2, 3, 1, [3, 4], [1, 1], [1, 1], [1, 2], [1, 1]),
        new(1, 2, 2, 1, [3, 3], [5, 5], [1, 1], [1, 1], [1, 1]),
        new(1, 2, 3, 1, [4, 5, 3], [2, 3, 2], [1, 1, 1], [0, 1, 1], [1, 1, 1]),
        new(3, 4, 4, 2, [5, 4, 6], [3, 2, 3], [2, 1, 2], [1, 0, 1], [1, 2, 1]),
        new(2, 3, 3, 3, [3, 4, 5], [1, 1, 1], [1, 1, 1], [0, 0, 0], [1, 1, 1]),
    };

    public static TheoryData<TransposedCase> TransposedCases => new()
    {
        new(2, 3, 2, 1, [5], [3], [2], [1], [1], [1]),
        new(1, 2, 3, 1, [4, 3], [3, 3], [1, 1], [0, 0], [0, 0], [1, 1]),
        new(3, 4, 6, 2, [3, 4], [3, 2], [2, 3], [1, 0], [1, 2], [1, 1]),
        new(2, 2, 4, 2, [3, 3], [2, 3], [1, 2], [0, 1], [1, 1], [2, 2]),
        new(2, 3, 3, 3, [4, 5], [3, 3], [2, 2], [1, 1], [1, 0], [1, 1]),
        new(2, 4, 3, 1, [3, 3], [1, 1], [1, 1], [0, 0], [0, 0], [1, 1]),
        new(1, 2, 2, 1, [3, 2, 3], [2, 2, 3], [2, 1, 2], [0, 1, 1], [1, 0, 1], [1, 1, 1]),
    };

    // ---- naive float64 references -------------------------------------------------------------

    private static int[] To3(int[] v, int fill)
    {
        var r = new int[3];
        for (int i = 0; i < 3; i++) r[i] = i < 3 - v.Length ? fill : v[i - (3 - v.Length)];
        return r;
    }

    /// <summary>Direct convolution: one loop per output coordinate and per reduction coordinate.</summary>
    internal static double[] NaiveConv(ConvCase c, double[] x, double[] w, double[]? b)
    {
        int[] i3 = To3(c.Input, 1), k3 = To3(c.Kernel, 1), s3 = To3(c.Stride, 1), p3 = To3(c.Padding, 0),
            d3 = To3(c.Dilation, 1), o3 = To3(c.OutputSize(), 1);
        int cinG = c.Cin / c.Groups, coutG = c.Cout / c.Groups;
        var y = new double[c.N * c.Cout * o3[0] * o3[1] * o3[2]];
        int yi = 0;
        for (int n = 0; n < c.N; n++)
        for (int co = 0; co < c.Cout; co++)
        for (int od = 0; od < o3[0]; od++)
        for (int oh = 0; oh < o3[1]; oh++)
        for (int ow = 0; ow < o3[2]; ow++)
        {
            int g = co / coutG;
            double sum = b?[co] ?? 0;
            for (int ci = 0; ci < cinG; ci++)
            for (int kd = 0; kd < k3[0]; kd++)
            for (int kh = 0; kh < k3[1]; kh++)
            for (int kw = 0; kw < k3[2]; kw++)
            {
                int id = od * s3[0] - p3[0] + kd * d3[0];
                int ih = oh * s3[1] - p3[1] + kh * d3[1];
                int iw = ow * s3[2] - p3[2] + kw * d3[2];
                if (id < 0 || id >= i3[0] || ih < 0 || ih >= i3[1] || iw < 0 || iw >= i3[2]) continue;
                int xIndex = (((n * c.Cin + g * cinG + ci) * i3[0] + id) * i3[1] + ih) * i3[2] + iw;
                int wIndex = (((co * cinG + ci) * k3[0] + kd) * k3[1] + kh) * k3[2] + kw;
                sum += x[xIndex] * w[wIndex];
            }
            y[yi++] = sum;
        }
        return y;
    }

    /// <summary>Direct transposed convolution: every input element scatters input·weight into the output.</summary>
    internal static double[] NaiveConvTranspose(TransposedCase c, double[] x, double[] w, double[]? b)
    {
        int[] i3 = To3(c.Input, 1), k3 = To3(c.Kernel, 1), s3 = To3(c.Stride, 1), p3 = To3(c.Padding, 0),
            d3 = To3(c.Dilation, 1), o3 = To3(c.OutputSize(), 1);
        int cinG = c.Cin / c.Groups, coutG = c.Cout / c.Groups;
        int outPlane = o3[0] * o3[1] * o3[2];
        var y = new double[c.N * c.Cout * outPlane];
        for (int n = 0; n < c.N; n++)
        for (int co = 0; co < c.Cout; co++)
        for (int q = 0; q < outPlane; q++)
            y[(n * c.Cout + co) * outPlane + q] = b?[co] ?? 0;
        for (int n = 0; n < c.N; n++)
        for (int ci = 0; ci < c.Cin; ci++)
        for (int id = 0; id < i3[0]; id++)
        for (int ih = 0; ih < i3[1]; ih++)
        for (int iw = 0; iw < i3[2]; iw++)
        {
            int g = ci / cinG;
            double xv = x[(((n * c.Cin + ci) * i3[0] + id) * i3[1] + ih) * i3[2] + iw];
            for (int co = 0; co < coutG; co++)
            for (int kd = 0; kd < k3[0]; kd++)
            for (int kh = 0; kh < k3[1]; kh++)
            for (int kw = 0; kw < k3[2]; kw++)
            {
                int od = id * s3[0] - p3[0] + kd * d3[0];
                int oh = ih * s3[1] - p3[1] + kh * d3[1];
                int ow = iw * s3[2] - p3[2] + kw * d3[2];
                if (od < 0 || od >= o3[0] || oh < 0 || oh >= o3[1] || ow < 0 || ow >= o3[2]) continue;
                double wv = w[(((ci * coutG + co) * k3[0] + kd) * k3[1] + kh) * k3[2] + kw];
                y[(((n * c.Cout + g * coutG + co) * o3[0] + od) * o3[1] + oh) * o3[2] + ow] += xv * wv;
            }
        }
        return y;
    }

    /// <summary>A seed that depends only on the case's text, so every run draws the same data.</summary>
    internal static int StableSeed(object c)
    {
        uint hash = 2166136261;
        foreach (char ch in c.ToString()!) hash = (hash ^ ch) * 16777619;
        return (int)(hash & 0x7FFFFFF);
    }

    internal static double[] RandomArray(Random rng, long length)
    {
        var a = new double[length];
        for (int i = 0; i < a.Length; i++) a[i] = rng.NextDouble() * 2 - 1;
        return a;
    }

    internal static float[] ToFloat(double[] a) => Array.ConvertAll(a, v => (float)v);

    internal static double[] ToDouble(float[] a) => Array.ConvertAll(a, v => (double)v);

    internal static double Dot(double[] a, double[] b)
    {
        Assert.Equal(a.Length, b.Length);
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    internal static void AssertClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double err = Math.Abs(expected[i] - actual[i]);
            if (!(err <= tolerance * (1 + Math.Abs(expected[i]))))
                Assert.Fail($"{what}: element {i} expected {expected[i]:R}, got {actual[i]:R} (error {err:E2}).");
        }
    }

    /// <summary>
    /// |actual − expected| ≤ <paramref name="tolerance"/> of the largest expected magnitude (at least 1), for kernels
    /// whose rounding error follows the outputs' scale rather than each output's (Winograd's transforms).
    /// </summary>
    internal static void AssertCloseToScale(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Max(Math.Abs)), worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= tolerance * scale, $"{what}: largest error {worst:E2} against outputs of scale {scale:F2}.");
    }

    private static void AssertAdjoint(double lhs, double rhs, string what)
    {
        double scale = Math.Max(1, Math.Max(Math.Abs(lhs), Math.Abs(rhs)));
        Assert.True(Math.Abs(lhs - rhs) <= 1e-11 * scale, $"{what}: <A x, y> = {lhs:R} but <x, A^T y> = {rhs:R}.");
    }

    // ---- geometry ---------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Geometry_OutputSize_MatchesPyTorchFormula(ConvCase c)
    {
        var g = c.Geometry();
        int[] o3 = To3(c.OutputSize(), 1);
        Assert.Equal(o3, new[] { g.OutputDepth, g.OutputHeight, g.OutputWidth });
        Assert.Equal(c.Input.Length, g.SpatialRank);
    }

    [Theory]
    [MemberData(nameof(TransposedCases))]
    public void TransposedGeometry_IsTheAdjointConvolution(TransposedCase c)
    {
        var g = c.Geometry();
        Assert.Equal(To3(c.OutputSize(), 1), new[] { g.InputDepth, g.InputHeight, g.InputWidth });
        Assert.Equal(To3(c.Input, 1), new[] { g.OutputDepth, g.OutputHeight, g.OutputWidth });
        Assert.Equal(c.Cout, g.InChannels);
        Assert.Equal(c.Cin, g.OutChannels);
    }

    [Fact]
    public void Geometry_RejectsBadArguments_WithClearMessages()
    {
        var e = Assert.Throws<ArgumentException>(() => ConvGeometry.Create(1, 3, 4, 2, [5, 5], [3, 3], [1, 1], [0, 0], [1, 1]));
        Assert.Contains("conv2d", e.Message);
        Assert.Contains("in_channels (3) must be divisible by groups (2)", e.Message);

        e = Assert.Throws<ArgumentException>(() => ConvGeometry.Create(1, 2, 4, 1, [2, 2], [3, 3], [1, 1], [0, 0], [1, 1]));
        Assert.Contains("kernel", e.Message);
        Assert.Contains("2 x 2", e.Message);

        e = Assert.Throws<ArgumentException>(() => ConvGeometry.Create(1, 2, 4, 1, [5], [3, 3], [1], [0], [1]));
        Assert.Contains("conv1d", e.Message);
        Assert.Contains("kernel_size", e.Message);

        e = Assert.Throws<ArgumentException>(() =>
            ConvGeometry.CreateTransposed(1, 2, 2, 1, [4, 4], [3, 3], [2, 2], [0, 0], [2, 0], [1, 1]));
        Assert.Contains("conv_transpose2d", e.Message);
        Assert.Contains("output padding", e.Message);

        e = Assert.Throws<ArgumentException>(() => ConvGeometry.Create(1, 2, 4, 1, [5, 5, 5, 5], [1, 1, 1, 1], [1, 1, 1, 1], [0, 0, 0, 0], [1, 1, 1, 1]));
        Assert.Contains("1 to 3 spatial dimensions", e.Message);

        e = Assert.Throws<ArgumentException>(() => ConvGeometry.Create(1, 2, 4, 1, [5], [3], [0], [0], [1]));
        Assert.Contains("stride must be positive", e.Message);
    }

    [Fact]
    public void Forward_RejectsWrongBufferLengths()
    {
        var g = ConvGeometry.Create(2, 3, 4, 1, [5, 5], [3, 3], [1, 1], [1, 1], [1, 1]);
        var e = Assert.Throws<ArgumentException>(() =>
            ConvolutionForward.Run<float>(g, new float[2 * 3 * 25], new float[4 * 3 * 9], [], new float[10]));
        Assert.Contains("conv2d: output buffer has 10 elements, expected 200", e.Message);

        // conv_transpose2d input [1, 2, 3, 3] with stride 2 gives output [1, 3, 7, 7]; names are the transposed op's own.
        var t = ConvGeometry.CreateTransposed(1, 2, 3, 1, [3, 3], [3, 3], [2, 2], [0, 0], [0, 0], [1, 1]);
        e = Assert.Throws<ArgumentException>(() =>
            ConvolutionTransposed.Forward<float>(t, new float[18], new float[2 * 3 * 9], [], new float[18]));
        Assert.Contains("conv_transpose2d: output buffer has 18 elements, expected 147", e.Message);
        Assert.Contains("input [1, 2, 3, 3]", e.Message);
    }

    // ---- convolution --------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void Forward_MatchesNaive(ConvCase c)
    {
        var rng = new Random(StableSeed(c));
        var g = c.Geometry();
        double[] x = RandomArray(rng, g.InputLength), w = RandomArray(rng, g.WeightLength), b = RandomArray(rng, c.Cout);
        double[] expected = NaiveConv(c, x, w, b);

        var y = new double[g.OutputLength];
        ConvolutionForward.Run<double>(g, x, w, b, y);
        AssertClose(expected, y, 1e-12, "float64 conv with bias");

        var yf = new float[g.OutputLength];
        ConvolutionForward.Run<float>(g, ToFloat(x), ToFloat(w), ReadOnlySpan<float>.Empty, yf);
        double[] expectedNoBias = NaiveConv(c, ToDouble(ToFloat(x)), ToDouble(ToFloat(w)), null);
        AssertClose(expectedNoBias, ToDouble(yf), 1e-5, "float32 conv without bias");
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void BackwardInput_IsAdjointOfForward(ConvCase c)
    {
        var rng = new Random(17 + StableSeed(c));
        var g = c.Geometry();
        double[] x = RandomArray(rng, g.InputLength), w = RandomArray(rng, g.WeightLength), gy = RandomArray(rng, g.OutputLength);
        var gx = RandomArray(rng, g.InputLength); // garbage that must be overwritten
        ConvolutionBackwardInput.Run<double>(g, gy, w, gx);
        AssertAdjoint(Dot(NaiveConv(c, x, w, null), gy), Dot(x, gx), "conv backward input");

        var gxf = new float[g.InputLength];
        ConvolutionBackwardInput.Run<float>(g, ToFloat(gy), ToFloat(w), gxf);
        AssertClose(gx, ToDouble(gxf), 1e-5, "float32 conv backward input");
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void BackwardWeight_IsAdjointOfForwardInWeight(ConvCase c)
    {
        var rng = new Random(29 + StableSeed(c));
        var g = c.Geometry();
        double[] x = RandomArray(rng, g.InputLength), w = RandomArray(rng, g.WeightLength), gy = RandomArray(rng, g.OutputLength);
        var gw = RandomArray(rng, g.WeightLength);
        ConvolutionBackwardWeight.Run<double>(g, x, gy, gw);
        AssertAdjoint(Dot(NaiveConv(c, x, w, null), gy), Dot(w, gw), "conv backward weight");

        // Every weight entry, not only the projection: unit weights pick single entries.
        for (int i = 0; i < Math.Min(gw.Length, 7); i++)
        {
            var unit = new double[g.WeightLength];
            int index = (int)((long)i * 7919 % g.WeightLength);
            unit[index] = 1;
            Assert.True(Math.Abs(Dot(NaiveConv(c, x, unit, null), gy) - gw[index]) <= 1e-11 * (1 + Math.Abs(gw[index])),
                $"grad_weight[{index}]");
        }

        var gwf = new float[g.WeightLength];
        ConvolutionBackwardWeight.Run<float>(g, ToFloat(x), ToFloat(gy), gwf);
        AssertClose(gw, ToDouble(gwf), 1e-4, "float32 conv backward weight");
    }

    [Theory]
    [MemberData(nameof(ConvCases))]
    public void BackwardBias_SumsOverBatchAndPositions(ConvCase c)
    {
        var rng = new Random(31);
        var g = c.Geometry();
        double[] gy = RandomArray(rng, g.OutputLength);
        var gb = new double[c.Cout];
        ConvolutionBias.Backward<double>(g, gy, gb);
        var expected = new double[c.Cout];
        int plane = g.OutputPlane;
        for (int n = 0; n < c.N; n++)
        for (int co = 0; co < c.Cout; co++)
        for (int q = 0; q < plane; q++)
            expected[co] += gy[(n * c.Cout + co) * plane + q];
        AssertClose(expected, gb, 1e-12, "conv bias gradient");
    }

    [Fact]
    public void EmptyBatch_ProducesEmptyOutputAndZeroWeightGradient()
    {
        var g = ConvGeometry.Create(0, 2, 3, 1, [4, 4], [3, 3], [1, 1], [1, 1], [1, 1]);
        ConvolutionForward.Run<float>(g, [], new float[g.WeightLength], [], []);
        var gw = new float[g.WeightLength];
        Array.Fill(gw, 5f);
        ConvolutionBackwardWeight.Run<float>(g, [], [], gw);
        Assert.All(gw, v => Assert.Equal(0f, v));
    }

    // ---- transposed convolution ---------------------------------------------------------------

    [Theory]
    [MemberData(nameof(TransposedCases))]
    public void TransposedForward_MatchesNaive(TransposedCase c)
    {
        var rng = new Random(StableSeed(c));
        var g = c.Geometry();
        double[] x = RandomArray(rng, g.OutputLength), w = RandomArray(rng, g.WeightLength), b = RandomArray(rng, c.Cout);
        double[] expected = NaiveConvTranspose(c, x, w, b);

        var y = RandomArray(rng, g.InputLength);
        ConvolutionTransposed.Forward<double>(g, x, w, b, y);
        AssertClose(expected, y, 1e-12, "float64 conv_transpose with bias");

        var yf = new float[g.InputLength];
        ConvolutionTransposed.Forward<float>(g, ToFloat(x), ToFloat(w), ToFloat(b), yf);
        AssertClose(NaiveConvTranspose(c, ToDouble(ToFloat(x)), ToDouble(ToFloat(w)), ToDouble(ToFloat(b))),
            ToDouble(yf), 1e-5, "float32 conv_transpose");
    }

    [Theory]
    [MemberData(nameof(TransposedCases))]
    public void TransposedBackward_IsAdjointOfNaiveForward(TransposedCase c)
    {
        var rng = new Random(5 + StableSeed(c));
        var g = c.Geometry();
        double[] x = RandomArray(rng, g.OutputLength), w = RandomArray(rng, g.WeightLength), gy = RandomArray(rng, g.InputLength);
        double lhs = Dot(NaiveConvTranspose(c, x, w, null), gy);

        var gx = RandomArray(rng, g.OutputLength);
        ConvolutionTransposed.BackwardInput<double>(g, gy, w, gx);
        AssertAdjoint(lhs, Dot(x, gx), "conv_transpose backward input");

        var gw = RandomArray(rng, g.WeightLength);
        ConvolutionTransposed.BackwardWeight<double>(g, x, gy, gw);
        AssertAdjoint(lhs, Dot(w, gw), "conv_transpose backward weight");

        var gb = new double[c.Cout];
        ConvolutionTransposed.BackwardBias<double>(g, gy, gb);
        double[] b = RandomArray(rng, c.Cout);
        double biasLhs = Dot(NaiveConvTranspose(c, new double[x.Length], w, b), gy);
        AssertAdjoint(biasLhs, Dot(b, gb), "conv_transpose backward bias");
    }

    // ---- PyTorch reference values -------------------------------------------------------------

    [Fact]
    public void MatchesPyTorchReferences()
    {
        int checkedCases = 0;
        foreach (var c in KernelReferenceData.Cases("convolution_reference.json"))
        {
            string name = c.GetProperty("name").GetString()!;
            string op = c.GetProperty("op").GetString()!;
            int[] xShape = c.Ints("input_shape"), wShape = c.Ints("weight_shape"), yShape = c.Ints("output_shape");
            int[] stride = c.IntsParam("stride"), padding = c.IntsParam("padding"), dilation = c.IntsParam("dilation");
            int groups = c.GetProperty("params").GetProperty("groups").GetInt32();
            int[] kernel = wShape[2..];
            double[] x = c.Doubles("input"), w = c.Doubles("weight"), b = c.Doubles("bias"), gy = c.Doubles("grad_output");
            var y = new double[Product(yShape)];
            var gx = new double[x.Length];
            var gw = new double[w.Length];
            var gb = new double[b.Length];
            if (op == "conv2d")
            {
                var g = ConvGeometry.Create(xShape[0], xShape[1], wShape[0], groups, xShape[2..], kernel, stride, padding, dilation);
                Assert.Equal(yShape[2..], new[] { g.OutputHeight, g.OutputWidth });
                ConvolutionForward.Run<double>(g, x, w, b, y);
                ConvolutionBackwardInput.Run<double>(g, gy, w, gx);
                ConvolutionBackwardWeight.Run<double>(g, x, gy, gw);
                ConvolutionBias.Backward<double>(g, gy, gb);
            }
            else
            {
                Assert.Equal("conv_transpose2d", op);
                int[] outputPadding = c.IntsParam("output_padding");
                var g = ConvGeometry.CreateTransposed(xShape[0], xShape[1], wShape[1] * groups, groups, xShape[2..], kernel,
                    stride, padding, outputPadding, dilation);
                Assert.Equal(yShape[2..], new[] { g.InputHeight, g.InputWidth });
                ConvolutionTransposed.Forward<double>(g, x, w, b, y);
                ConvolutionTransposed.BackwardInput<double>(g, gy, w, gx);
                ConvolutionTransposed.BackwardWeight<double>(g, x, gy, gw);
                ConvolutionTransposed.BackwardBias<double>(g, gy, gb);
            }
            KernelReferenceData.AssertClose(c.Doubles("output"), y, 1e-10, name + " output");
            KernelReferenceData.AssertClose(c.Doubles("grad_input"), gx, 1e-10, name + " grad_input");
            KernelReferenceData.AssertClose(c.Doubles("grad_weight"), gw, 1e-10, name + " grad_weight");
            KernelReferenceData.AssertClose(c.Doubles("grad_bias"), gb, 1e-10, name + " grad_bias");
            checkedCases++;
        }
        Assert.Equal(2, checkedCases);
    }

    private static int Product(int[] shape)
    {
        int p = 1;
        foreach (int d in shape) p *= d;
        return p;
    }
}
