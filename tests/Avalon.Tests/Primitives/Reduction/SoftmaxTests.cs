using static Avalon.Tests.Primitives.Reduction.ReductionReference;

namespace Avalon.Tests.Primitives.Reduction;

/// <summary>The fused softmax / log_softmax kernels against a naive float64 reference.</summary>
public class SoftmaxTests
{
    private static readonly (int[] Shape, int[] Dims)[] s_configs =
    [
        ([], [0, -1]),
        ([1], [0]),
        ([7], [0, -1]),
        ([3, 5], [0, 1, -1]),
        ([2, 3, 4], [0, 1, 2, -2]),
        ([4, 1, 6], [1, 0]),
        ([2, 0, 3], [1, 2]),
        ([33, 17], [0, 1]),
        ([8, 100, 45], [1, 2, 0]),
    ];

    public static IEnumerable<object[]> Cases() =>
        from log in new[] { false, true } from dtype in new[] { DType.Float32, DType.Float64 } select new object[] { log, dtype };

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesFloat64Reference(bool log, DType dtype)
    {
        var rng = new Random(log ? 3 : 4);
        foreach (var (shape, dims) in s_configs)
        {
            int numel = shape.Aggregate(1, (a, b) => a * b);
            foreach (int dim in dims)
                foreach (var layout in Enum.GetValues<Layout>())
                {
                    // Large offsets check the max shift: exp(x) alone would overflow.
                    var values = Enumerable.Range(0, numel).Select(_ => 5 * (rng.NextDouble() - 0.5) + (dtype == DType.Float32 ? 100 : 1000)).ToArray();
                    var x = Make(values, shape, dtype, layout);
                    var expected = Reference(x.ToDoubleArray(), shape, dim, log);
                    var y = log ? x.LogSoftmax(dim) : Tensor.Softmax(x, dim);
                    Assert.Equal(shape, y.Shape.ToArray());
                    Assert.Equal(dtype, y.DType);
                    AssertClose(expected, y, dtype == DType.Float32 ? 2e-5 : 1e-12, $"{(log ? "log_softmax" : "softmax")} {dtype} [{string.Join(",", shape)}] dim {dim} {layout}");
                }
        }
    }

    [Fact]
    public void InfinitiesFollowPyTorch()
    {
        var minusInf = double.NegativeInfinity;
        var y = Tensor.From(new[] { 1.0, minusInf, 2.0 }).Softmax(0).ToArray<double>();
        Assert.Equal(0.0, y[1]);
        Assert.Equal(1 / (1 + Math.E), y[0], 12);
        Assert.Equal(minusInf, Tensor.From(new[] { 1.0, minusInf }).LogSoftmax(0).ToArray<double>()[1]);
        // torch.softmax(tensor([inf, 1.]), 0) == [nan, nan]; all −inf rows give nan too.
        Assert.All(Tensor.From(new[] { double.PositiveInfinity, 1 }).Softmax(0).ToArray<double>(), v => Assert.True(double.IsNaN(v)));
        Assert.All(Tensor.From(new[] { minusInf, minusInf }).Softmax(0).ToArray<double>(), v => Assert.True(double.IsNaN(v)));
    }

    [Fact]
    public void ScalarSoftmaxIsOne()
    {
        Assert.Equal(1.0, Tensor.Scalar(2.0).Softmax(0).Item());
        Assert.Equal(0.0, Tensor.Scalar(2.0).LogSoftmax(-1).Item());
    }

    private static double[] Reference(double[] x, int[] shape, int dim, bool log)
    {
        if (shape.Length == 0) return [log ? 0 : 1];
        int d = dim < 0 ? dim + shape.Length : dim;
        int outer = shape.Take(d).Aggregate(1, (a, b) => a * b);
        int n = shape[d];
        int inner = shape.Skip(d + 1).Aggregate(1, (a, b) => a * b);
        var y = new double[x.Length];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                double m = double.NegativeInfinity;
                for (int r = 0; r < n; r++) m = Math.Max(m, x[(o * n + r) * inner + i]);
                double s = 0;
                for (int r = 0; r < n; r++) s += Math.Exp(x[(o * n + r) * inner + i] - m);
                for (int r = 0; r < n; r++)
                {
                    double v = x[(o * n + r) * inner + i] - m;
                    y[(o * n + r) * inner + i] = log ? v - Math.Log(s) : Math.Exp(v) / s;
                }
            }
        return y;
    }
}
