using System.Text.Json;
using Avalon.Backends.Cpu.Pooling;
using Avalon.Primitives.Pooling;
using static Avalon.Tests.Backends.Cpu.ConvolutionKernelTests;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// Pooling kernels against naive float64 loops written here, adjoint identities for the linear (average)
/// backward kernels, and PyTorch reference values for ceil_mode / padding / NaN edge cases.
/// </summary>
public class PoolingKernelTests
{
    /// <summary>A max pooling problem in PyTorch terms; an empty stride means stride = kernel.</summary>
    public sealed record MaxCase(int N, int C, int[] Input, int[] Kernel, int[] Stride, int[] Padding, int[] Dilation, bool Ceil)
    {
        internal PoolGeometry Geometry() => PoolGeometry.CreateMax(N, C, Input, Kernel, Stride, Padding, Dilation, Ceil);

        public override string ToString() =>
            $"N={N} C={C} in=[{string.Join(",", Input)}] k=[{string.Join(",", Kernel)}] s=[{string.Join(",", Stride)}] " +
            $"p=[{string.Join(",", Padding)}] d=[{string.Join(",", Dilation)}] ceil={Ceil}";
    }

    /// <summary>An average pooling problem in PyTorch terms.</summary>
    public sealed record AvgCase(int N, int C, int[] Input, int[] Kernel, int[] Stride, int[] Padding, bool Ceil,
        bool CountIncludePad, int? Divisor)
    {
        internal PoolGeometry Geometry() => PoolGeometry.CreateAverage(N, C, Input, Kernel, Stride, Padding, Ceil);

        public override string ToString() =>
            $"N={N} C={C} in=[{string.Join(",", Input)}] k=[{string.Join(",", Kernel)}] s=[{string.Join(",", Stride)}] " +
            $"p=[{string.Join(",", Padding)}] ceil={Ceil} include_pad={CountIncludePad} divisor={Divisor}";
    }

    /// <summary>An adaptive pooling problem.</summary>
    public sealed record AdaptiveCase(int N, int C, int[] Input, int[] Output)
    {
        public override string ToString() => $"N={N} C={C} in=[{string.Join(",", Input)}] out=[{string.Join(",", Output)}]";
    }

    public static TheoryData<MaxCase> MaxCases => new()
    {
        new(2, 3, [9], [3], [], [1], [1], false),
        new(1, 2, [10], [3], [2], [1], [2], true),
        new(3, 1, [7], [2], [2], [0], [1], true),
        new(3, 2, [7, 6], [2, 2], [], [0, 0], [1, 1], false),
        new(1, 3, [7, 8], [3, 3], [2, 2], [1, 1], [1, 1], true),
        new(2, 2, [9, 7], [3, 2], [2, 1], [1, 1], [2, 1], true),
        new(1, 1, [5, 5], [3, 3], [2, 2], [1, 1], [2, 2], false),
        new(1, 2, [6, 6], [3, 3], [1, 1], [1, 0], [1, 1], false),
        new(2, 1, [1, 5], [1, 2], [1, 2], [0, 1], [1, 1], true),
        new(2, 2, [5, 6, 7], [2, 3, 2], [2, 2, 1], [1, 1, 0], [1, 1, 2], true),
        new(1, 1, [4, 4, 4], [2, 2, 2], [], [0, 0, 0], [1, 1, 1], false),
        new(4, 8, [32, 33], [2, 2], [], [0, 0], [1, 1], true),
    };

    public static TheoryData<AvgCase> AvgCases => new()
    {
        new(2, 3, [9], [3], [2], [1], false, true, null),
        new(1, 2, [8], [3], [2], [1], true, false, null),
        new(2, 2, [7, 6], [3, 3], [2, 2], [1, 1], true, true, null),
        new(2, 2, [7, 6], [3, 3], [2, 2], [1, 1], true, false, null),
        new(1, 3, [5, 7], [2, 3], [1, 2], [1, 1], false, true, 5),
        new(3, 1, [6, 6], [2, 2], [], [0, 0], false, true, null),
        new(1, 2, [5, 5], [2, 2], [2, 2], [0, 0], true, true, null),
        new(1, 2, [5, 4, 6], [2, 3, 2], [2, 1, 2], [1, 1, 1], true, false, null),
        new(2, 1, [3, 5, 4], [3, 2, 2], [2, 2, 2], [1, 0, 1], true, true, 7),
        new(4, 8, [32, 31], [3, 3], [2, 2], [1, 1], true, false, null),
    };

    public static TheoryData<AdaptiveCase> AdaptiveCases => new()
    {
        new(2, 3, [10], [3]),
        new(1, 2, [5], [7]),
        new(2, 2, [7, 9], [3, 4]),
        new(1, 3, [6, 6], [1, 1]),
        new(3, 1, [8, 5], [8, 5]),
        new(1, 2, [5, 6, 7], [2, 3, 4]),
        new(2, 1, [4, 4, 4], [3, 3, 3]),
        new(4, 8, [33, 35], [7, 7]),
        // Bins that tile the input evenly (the vectorised path): two, three and six wide, 1-d to 3-d.
        new(2, 3, [8, 24], [4, 12]),
        new(1, 2, [9, 27], [3, 9]),
        new(2, 2, [18], [9]),
        new(1, 2, [3, 8, 12], [3, 4, 2]),
    };

    // ---- naive float64 references -------------------------------------------------------------

    private static int[] To3(int[] v, int fill)
    {
        var r = new int[3];
        for (int i = 0; i < 3; i++) r[i] = i < 3 - v.Length ? fill : v[i - (3 - v.Length)];
        return r;
    }

    private static int PoolOutput(int input, int kernel, int stride, int pad, int dilation, bool ceil)
    {
        double exact = (input + 2.0 * pad - dilation * (kernel - 1) - 1) / stride;
        int o = (int)(ceil ? Math.Ceiling(exact) : Math.Floor(exact)) + 1;
        if (ceil && (o - 1) * stride >= input + pad) o--;
        return o;
    }

    private static int Product(int[] v)
    {
        int p = 1;
        foreach (int d in v) p *= d;
        return p;
    }

    private static (double[] Values, long[] Indices, int[] OutputSize) NaiveMax(MaxCase c, double[] x)
    {
        int[] i3 = To3(c.Input, 1), k3 = To3(c.Kernel, 1), s3 = To3(c.Stride.Length == 0 ? c.Kernel : c.Stride, 1),
            p3 = To3(c.Padding, 0), d3 = To3(c.Dilation, 1);
        var o3 = new int[3];
        for (int i = 0; i < 3; i++) o3[i] = PoolOutput(i3[i], k3[i], s3[i], p3[i], d3[i], c.Ceil);
        int inPlane = Product(i3), outPlane = Product(o3);
        var values = new double[c.N * c.C * outPlane];
        var indices = new long[values.Length];
        for (int plane = 0; plane < c.N * c.C; plane++)
        for (int q = 0; q < outPlane; q++)
        {
            int[] o = [q / (o3[1] * o3[2]), q / o3[2] % o3[1], q % o3[2]];
            double best = double.NegativeInfinity;
            long bestIndex = -1;
            for (int kd = 0; kd < k3[0]; kd++)
            for (int kh = 0; kh < k3[1]; kh++)
            for (int kw = 0; kw < k3[2]; kw++)
            {
                int[] k = [kd, kh, kw];
                var pos = new int[3];
                bool inside = true;
                for (int i = 0; i < 3; i++)
                {
                    pos[i] = o[i] * s3[i] - p3[i] + k[i] * d3[i];
                    inside &= pos[i] >= 0 && pos[i] < i3[i];
                }
                if (!inside) continue;
                long index = (pos[0] * i3[1] + pos[1]) * i3[2] + pos[2];
                double v = x[plane * inPlane + index];
                if (bestIndex < 0) bestIndex = index; // PyTorch starts from the first position inside the input
                if (v > best || double.IsNaN(v))
                {
                    best = v;
                    bestIndex = index;
                }
            }
            values[plane * outPlane + q] = best;
            indices[plane * outPlane + q] = bestIndex;
        }
        return (values, indices, o3);
    }

    private static (double[] Values, int[] OutputSize) NaiveAvg(AvgCase c, double[] x)
    {
        int[] i3 = To3(c.Input, 1), k3 = To3(c.Kernel, 1), s3 = To3(c.Stride.Length == 0 ? c.Kernel : c.Stride, 1),
            p3 = To3(c.Padding, 0);
        var o3 = new int[3];
        for (int i = 0; i < 3; i++) o3[i] = PoolOutput(i3[i], k3[i], s3[i], p3[i], 1, c.Ceil);
        int inPlane = Product(i3), outPlane = Product(o3);
        var values = new double[c.N * c.C * outPlane];
        for (int plane = 0; plane < c.N * c.C; plane++)
        for (int q = 0; q < outPlane; q++)
        {
            int[] o = [q / (o3[1] * o3[2]), q / o3[2] % o3[1], q % o3[2]];
            double sum = 0;
            int valid = 0, insidePadded = 0;
            for (int kd = 0; kd < k3[0]; kd++)
            for (int kh = 0; kh < k3[1]; kh++)
            for (int kw = 0; kw < k3[2]; kw++)
            {
                int[] k = [kd, kh, kw];
                var pos = new int[3];
                bool inside = true, padded = true;
                for (int i = 0; i < 3; i++)
                {
                    pos[i] = o[i] * s3[i] - p3[i] + k[i];
                    inside &= pos[i] >= 0 && pos[i] < i3[i];
                    padded &= pos[i] < i3[i] + p3[i];
                }
                if (padded) insidePadded++;
                if (!inside) continue;
                valid++;
                sum += x[plane * inPlane + (pos[0] * i3[1] + pos[1]) * i3[2] + pos[2]];
            }
            double divisor = c.Divisor ?? (c.CountIncludePad ? insidePadded : valid);
            values[plane * outPlane + q] = valid == 0 ? 0 : sum / divisor;
        }
        return (values, o3);
    }

    private static (double[] Values, long[] Indices) NaiveAdaptive(AdaptiveCase c, double[] x, bool max)
    {
        int[] i3 = To3(c.Input, 1), o3 = To3(c.Output, 1);
        int inPlane = Product(i3), outPlane = Product(o3);
        var values = new double[c.N * c.C * outPlane];
        var indices = new long[values.Length];
        for (int plane = 0; plane < c.N * c.C; plane++)
        for (int q = 0; q < outPlane; q++)
        {
            int[] o = [q / (o3[1] * o3[2]), q / o3[2] % o3[1], q % o3[2]];
            int[] start = new int[3], end = new int[3];
            for (int i = 0; i < 3; i++)
            {
                start[i] = (int)Math.Floor(o[i] * (double)i3[i] / o3[i]);
                end[i] = (int)Math.Ceiling((o[i] + 1) * (double)i3[i] / o3[i]);
            }
            double sum = 0, best = double.NegativeInfinity;
            long bestIndex = -1;
            int count = 0;
            for (int d = start[0]; d < end[0]; d++)
            for (int h = start[1]; h < end[1]; h++)
            for (int w = start[2]; w < end[2]; w++)
            {
                long index = (d * i3[1] + h) * i3[2] + w;
                double v = x[plane * inPlane + index];
                sum += v;
                count++;
                if (bestIndex < 0 || v > best) { best = v; bestIndex = index; }
            }
            values[plane * outPlane + q] = max ? best : sum / count;
            indices[plane * outPlane + q] = bestIndex;
        }
        return (values, indices);
    }

    private static double[] Scatter(long[] indices, double[] gradOutput, int planes, int inPlane)
    {
        var gx = new double[planes * inPlane];
        int outPlane = indices.Length / Math.Max(1, planes);
        for (int i = 0; i < indices.Length; i++) gx[i / outPlane * inPlane + indices[i]] += gradOutput[i];
        return gx;
    }

    private static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }

    // ---- max pooling --------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(MaxCases))]
    public void MaxPool_MatchesNaive(MaxCase c)
    {
        var rng = new Random(StableSeed(c));
        var g = c.Geometry();
        double[] x = RandomArray(rng, g.InputLength);
        var (expected, expectedIndices, o3) = NaiveMax(c, x);
        Assert.Equal(o3, new[] { g.OutputDepth, g.OutputHeight, g.OutputWidth });

        var y = new double[g.OutputLength];
        var indices = new long[g.OutputLength];
        MaxPool.Forward<double>(g, x, y, indices);
        Assert.Equal(expected, y);
        Assert.Equal(expectedIndices, indices);

        var yf = new float[g.OutputLength];
        var indicesF = new long[g.OutputLength];
        MaxPool.Forward<float>(g, ToFloat(x), yf, indicesF);
        Assert.Equal(ToFloat(expected), yf);
        Assert.Equal(expectedIndices, indicesF);
    }

    [Theory]
    [MemberData(nameof(MaxCases))]
    public void MaxPool_ValuesOnlyAndIndicesOnlyMatchNaive(MaxCase c)
    {
        var rng = new Random(5 + StableSeed(c));
        var g = c.Geometry();
        double[] x = RandomArray(rng, g.InputLength);
        var (expected, expectedIndices, _) = NaiveMax(c, x);

        var y = new double[g.OutputLength];
        MaxPool.Forward<double>(g, x, y, Span<long>.Empty);
        Assert.Equal(expected, y);

        var indices = new long[g.OutputLength];
        MaxPool.Forward<float>(g, ToFloat(x), Span<float>.Empty, indices);
        Assert.Equal(expectedIndices, indices);
    }

    [Fact]
    public void MaxPool_RejectsNeitherValuesNorIndices()
    {
        var g = PoolGeometry.CreateMax(1, 1, [4], [2], [], [0], [1], false);
        var e = Assert.Throws<ArgumentException>(() => MaxPool.Forward<float>(g, new float[4], Span<float>.Empty, Span<long>.Empty));
        Assert.Contains("max_pool", e.Message);
    }

    [Theory]
    [MemberData(nameof(MaxCases))]
    public void MaxPoolBackward_ScattersIntoArgmax(MaxCase c)
    {
        var rng = new Random(3 + StableSeed(c));
        var g = c.Geometry();
        double[] x = RandomArray(rng, g.InputLength), gy = RandomArray(rng, g.OutputLength);
        var (_, expectedIndices, _) = NaiveMax(c, x);
        double[] expected = Scatter(expectedIndices, gy, g.Planes, g.InputPlane);

        var y = new double[g.OutputLength];
        var indices = new long[g.OutputLength];
        MaxPool.Forward<double>(g, x, y, indices);
        var gx = RandomArray(rng, g.InputLength);
        PoolIndexScatter.Backward<double>(g, gy, indices, gx);
        AssertClose(expected, gx, 1e-14, "max pool backward");
    }

    [Fact]
    public void MaxPool_NaNWinsAndAllNegativeInfinityPicksFirstPosition()
    {
        var g = PoolGeometry.CreateMax(1, 1, [2, 4], [2, 2], [], [0, 0], [1, 1], false);
        float[] x = [float.NegativeInfinity, float.NegativeInfinity, 1, float.NaN,
                     float.NegativeInfinity, float.NegativeInfinity, float.NaN, 5];
        var y = new float[2];
        var indices = new long[2];
        MaxPool.Forward<float>(g, x, y, indices);
        Assert.Equal(float.NegativeInfinity, y[0]);
        Assert.Equal(0, indices[0]);
        Assert.True(float.IsNaN(y[1]));
        Assert.Equal(6, indices[1]); // the last NaN in scan order, as PyTorch
    }

    [Fact]
    public void MaxPoolBackward_RejectsIndicesOutsideThePlane()
    {
        var g = PoolGeometry.CreateMax(1, 2, [4], [2], [], [0], [1], false);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() =>
            PoolIndexScatter.Backward<float>(g, new float[4], [0, 3, 1, 4], new float[8]));
        Assert.Equal(4L, e.ActualValue);
        Assert.Contains("[0, 4)", e.Message);
        Assert.Contains("max_pool1d backward", e.Message);
        Assert.Contains("index 4", e.Message);
    }

    [Fact]
    public void PoolGeometry_RejectsBadArguments_WithClearMessages()
    {
        var e = Assert.Throws<ArgumentException>(() => PoolGeometry.CreateMax(1, 1, [5, 5], [2, 2], [], [2, 0], [1, 1], false));
        Assert.Contains("max_pool2d", e.Message);
        Assert.Contains("at most half of the kernel size", e.Message);

        e = Assert.Throws<ArgumentException>(() => PoolGeometry.CreateAverage(1, 1, [2, 2], [3, 3], [], [0, 0], false));
        Assert.Contains("avg_pool2d", e.Message);
        Assert.Contains("too small", e.Message);

        e = Assert.Throws<ArgumentException>(() => PoolGeometry.CreateMax(1, 1, [5], [2, 2], [], [0], [1], false));
        Assert.Contains("kernel_size", e.Message);

        var g = PoolGeometry.CreateAverage(1, 1, [4], [2], [], [0], false);
        e = Assert.Throws<ArgumentException>(() => AvgPool.Forward<float>(g, true, 0, new float[4], new float[2]));
        Assert.Contains("divisor_override", e.Message);
        e = Assert.Throws<ArgumentException>(() => AvgPool.Forward<float>(g, true, null, new float[4], new float[3]));
        Assert.Contains("avg_pool1d: output buffer has 3 elements, expected 2 for input [1, 1, 4] and output [1, 1, 2]", e.Message);

        e = Assert.Throws<ArgumentException>(() => AdaptivePoolGeometry.CreateMax(1, 1, [4, 4], [2]));
        Assert.Contains("adaptive_max_pool2d", e.Message);
    }

    [Fact]
    public void PoolOutputSize_CeilModeDropsWindowStartingInRightPadding()
    {
        // in=5, k=2, s=2, p=1: ceil rounding gives 4 windows, but the 4th would start at 6 - 1 = 5, entirely
        // in the right padding, so PyTorch drops it.
        Assert.Equal(3, PoolGeometry.OutputSize(5, 2, 2, 1, 1, ceilMode: false));
        Assert.Equal(3, PoolGeometry.OutputSize(5, 2, 2, 1, 1, ceilMode: true));
        Assert.Equal(3, PoolGeometry.OutputSize(5, 2, 2, 0, 1, ceilMode: true));
        Assert.Equal(2, PoolGeometry.OutputSize(5, 2, 2, 0, 1, ceilMode: false));
    }

    // ---- average pooling ----------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(AvgCases))]
    public void AvgPool_MatchesNaive(AvgCase c)
    {
        var rng = new Random(StableSeed(c));
        var g = c.Geometry();
        double[] x = RandomArray(rng, g.InputLength);
        var (expected, o3) = NaiveAvg(c, x);
        Assert.Equal(o3, new[] { g.OutputDepth, g.OutputHeight, g.OutputWidth });

        var y = RandomArray(rng, g.OutputLength);
        AvgPool.Forward<double>(g, c.CountIncludePad, c.Divisor, x, y);
        AssertClose(expected, y, 1e-14, "float64 avg pool");

        var yf = new float[g.OutputLength];
        AvgPool.Forward<float>(g, c.CountIncludePad, c.Divisor, ToFloat(x), yf);
        AssertClose(expected, ToDouble(yf), 1e-6, "float32 avg pool");
    }

    [Theory]
    [MemberData(nameof(AvgCases))]
    public void AvgPoolBackward_IsAdjointOfNaiveForward(AvgCase c)
    {
        var rng = new Random(11 + StableSeed(c));
        var g = c.Geometry();
        double[] x = RandomArray(rng, g.InputLength), gy = RandomArray(rng, g.OutputLength);
        var gx = RandomArray(rng, g.InputLength);
        AvgPool.Backward<double>(g, c.CountIncludePad, c.Divisor, gy, gx);
        double lhs = Dot(NaiveAvg(c, x).Values, gy), rhs = Dot(x, gx);
        Assert.True(Math.Abs(lhs - rhs) <= 1e-12 * Math.Max(1, Math.Abs(lhs)), $"<avg(x), gy> = {lhs:R}, <x, avgᵀ(gy)> = {rhs:R}");

        var gxf = new float[g.InputLength];
        AvgPool.Backward<float>(g, c.CountIncludePad, c.Divisor, ToFloat(gy), gxf);
        AssertClose(gx, ToDouble(gxf), 1e-6, "float32 avg pool backward");
    }

    // ---- adaptive pooling ---------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(AdaptiveCases))]
    public void AdaptiveAvgPool_MatchesNaive_AndBackwardIsAdjoint(AdaptiveCase c)
    {
        var rng = new Random(StableSeed(c));
        var g = AdaptivePoolGeometry.CreateAverage(c.N, c.C, c.Input, c.Output);
        double[] x = RandomArray(rng, g.InputLength), gy = RandomArray(rng, g.OutputLength);
        var (expected, _) = NaiveAdaptive(c, x, max: false);

        var y = new double[g.OutputLength];
        AdaptiveAvgPool.Forward<double>(g, x, y);
        AssertClose(expected, y, 1e-14, "adaptive avg pool");

        var yf = new float[g.OutputLength];
        AdaptiveAvgPool.Forward<float>(g, ToFloat(x), yf);
        AssertClose(expected, ToDouble(yf), 1e-6, "float32 adaptive avg pool");

        var gx = RandomArray(rng, g.InputLength);
        AdaptiveAvgPool.Backward<double>(g, gy, gx);
        double lhs = Dot(expected, gy), rhs = Dot(x, gx);
        Assert.True(Math.Abs(lhs - rhs) <= 1e-12 * Math.Max(1, Math.Abs(lhs)), $"<pool(x), gy> = {lhs:R}, <x, poolᵀ(gy)> = {rhs:R}");
    }

    [Theory]
    [MemberData(nameof(AdaptiveCases))]
    public void AdaptiveMaxPool_MatchesNaive_AndBackwardScatters(AdaptiveCase c)
    {
        var rng = new Random(7 + StableSeed(c));
        var g = AdaptivePoolGeometry.CreateMax(c.N, c.C, c.Input, c.Output);
        double[] x = RandomArray(rng, g.InputLength), gy = RandomArray(rng, g.OutputLength);
        var (expected, expectedIndices) = NaiveAdaptive(c, x, max: true);

        var y = new double[g.OutputLength];
        var indices = new long[g.OutputLength];
        AdaptiveMaxPool.Forward<double>(g, x, y, indices);
        Assert.Equal(expected, y);
        Assert.Equal(expectedIndices, indices);

        var yf = new float[g.OutputLength];
        AdaptiveMaxPool.Forward<float>(g, ToFloat(x), yf, indices);
        Assert.Equal(ToFloat(expected), yf);

        var gx = RandomArray(rng, g.InputLength);
        PoolIndexScatter.Backward<double>(g, gy, indices, gx);
        AssertClose(Scatter(expectedIndices, gy, g.Planes, g.InputPlane), gx, 1e-14, "adaptive max pool backward");
    }

    [Fact]
    public void AdaptivePool_ZeroOutputSize_GivesEmptyOutputAndZeroGradient()
    {
        var g = AdaptivePoolGeometry.CreateAverage(1, 2, [5, 5], [0, 2]);
        Assert.Equal(0, g.OutputLength);
        AdaptiveAvgPool.Forward<float>(g, new float[50], []);
        var gx = new float[50];
        Array.Fill(gx, 3f);
        AdaptiveAvgPool.Backward<float>(g, [], gx);
        Assert.All(gx, v => Assert.Equal(0f, v));
    }

    // ---- PyTorch reference values -------------------------------------------------------------

    public static TheoryData<string> ReferenceCaseNames()
    {
        var names = new TheoryData<string>();
        foreach (var c in KernelReferenceData.Cases("pooling_reference.json")) names.Add(c.GetProperty("name").GetString()!);
        return names;
    }

    [Theory]
    [MemberData(nameof(ReferenceCaseNames))]
    public void MatchesPyTorchReference(string name)
    {
        JsonElement c = default;
        foreach (var candidate in KernelReferenceData.Cases("pooling_reference.json"))
            if (candidate.GetProperty("name").GetString() == name) c = candidate;
        string op = c.GetProperty("op").GetString()!;
        int[] xShape = c.Ints("input_shape"), yShape = c.Ints("output_shape");
        double[] x = c.Doubles("input"), gy = c.Doubles("grad_output");
        var p = c.GetProperty("params");
        int n = xShape[0], channels = xShape[1];
        int[] spatial = xShape[2..];
        var y = new double[Product(yShape)];
        var gx = new double[x.Length];
        var indices = new long[y.Length];
        bool returnsIndices = op.Contains("max", StringComparison.Ordinal);

        if (op.StartsWith("adaptive", StringComparison.Ordinal))
        {
            int[] outputSize = c.IntsParam("output_size");
            if (returnsIndices)
            {
                var g = AdaptivePoolGeometry.CreateMax(n, channels, spatial, outputSize);
                AdaptiveMaxPool.Forward<double>(g, x, y, indices);
                PoolIndexScatter.Backward<double>(g, gy, indices, gx);
            }
            else
            {
                var g = AdaptivePoolGeometry.CreateAverage(n, channels, spatial, outputSize);
                AdaptiveAvgPool.Forward<double>(g, x, y);
                AdaptiveAvgPool.Backward<double>(g, gy, gx);
            }
        }
        else
        {
            int[] kernel = c.IntsParam("kernel_size"), stride = c.IntsParam("stride"), padding = c.IntsParam("padding");
            bool ceil = p.GetProperty("ceil_mode").GetBoolean();
            PoolGeometry g;
            if (returnsIndices)
            {
                g = PoolGeometry.CreateMax(n, channels, spatial, kernel, stride, padding, c.IntsParam("dilation"), ceil);
                MaxPool.Forward<double>(g, x, y, indices);
                PoolIndexScatter.Backward<double>(g, gy, indices, gx);
            }
            else
            {
                g = PoolGeometry.CreateAverage(n, channels, spatial, kernel, stride, padding, ceil);
                bool includePad = p.GetProperty("count_include_pad").GetBoolean();
                int? divisor = p.TryGetProperty("divisor_override", out var d) ? d.GetInt32() : null;
                AvgPool.Forward<double>(g, includePad, divisor, x, y);
                AvgPool.Backward<double>(g, includePad, divisor, gy, gx);
            }
            int[] actualShape = [g.OutputDepth, g.OutputHeight, g.OutputWidth];
            Assert.Equal(yShape[2..], actualShape[(3 - spatial.Length)..]);
        }

        KernelReferenceData.AssertClose(c.Doubles("output"), y, 1e-10, name + " output");
        if (returnsIndices) Assert.Equal(c.Longs("indices"), indices);
        KernelReferenceData.AssertClose(c.Doubles("grad_input"), gx, 1e-10, name + " grad_input");
    }
}
