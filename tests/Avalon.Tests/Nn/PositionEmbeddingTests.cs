using Avalon.Autodiff;
using Avalon.Nn;

namespace Avalon.Tests.Nn;

/// <summary>
/// Sinusoidal and rotary position embeddings and RMSNorm against naive float64 implementations of their formulas.
/// </summary>
public sealed class PositionEmbeddingTests
{
    [Fact]
    public void SinusoidalTableFollowsTheFormula()
    {
        var pe = Functional.SinusoidalPositionEncoding(7, 6, dtype: DType.Float64).ToDoubleArray();
        for (int p = 0; p < 7; p++)
            for (int d = 0; d < 6; d++)
            {
                int i = d / 2;
                double angle = p / Math.Pow(10000, 2.0 * i / 6);
                Assert.Equal(d % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle), pe[p * 6 + d], 14);
            }
    }

    [Fact]
    public void SinusoidalModuleAddsThePositionsOfTheSequenceDim()
    {
        var seqFirst = new SinusoidalPositionalEncoding(4, 10, dtype: DType.Float64);
        var batchFirst = new SinusoidalPositionalEncoding(4, 10, batchFirst: true, dtype: DType.Float64);
        var x = Tensor.Randn([3, 2, 4], new Generator(1)).To(DType.Float64);
        var table = Functional.SinusoidalPositionEncoding(10, 4, dtype: DType.Float64).ToDoubleArray();
        var xs = x.ToDoubleArray();
        var y1 = seqFirst.Forward(x).ToDoubleArray();
        var y2 = batchFirst.Forward(x).ToDoubleArray();
        for (int a = 0; a < 3; a++)
            for (int b = 0; b < 2; b++)
                for (int e = 0; e < 4; e++)
                {
                    int at = (a * 2 + b) * 4 + e;
                    Assert.Equal(xs[at] + table[a * 4 + e], y1[at], 14);   // [S, N, E]: position a
                    Assert.Equal(xs[at] + table[b * 4 + e], y2[at], 14);   // [N, S, E]: position b
                }
        Assert.Empty(seqFirst.StateDict());
        Assert.Equal(DType.Float32, new SinusoidalPositionalEncoding(4, 10).To(DType.Float32).Forward(Tensor.Zeros(2, 4)).DType);
        Assert.Contains("exceeds max_len 10", Assert.Throws<ArgumentException>(() => seqFirst.Forward(Tensor.Zeros([11, 4], DType.Float64))).Message);
        Assert.Throws<ArgumentException>(() => Functional.SinusoidalPositionEncoding(4, 5));
    }

    /// <summary>RoPE in the halves layout, one pair at a time in float64.</summary>
    private static double[] NaiveRotary(double[] x, int rows, int length, int dim, int offset, double @base)
    {
        var y = new double[x.Length];
        int half = dim / 2;
        for (int r = 0; r < rows; r++)
            for (int p = 0; p < length; p++)
                for (int j = 0; j < half; j++)
                {
                    double theta = (p + offset) * Math.Pow(@base, -2.0 * j / dim);
                    int at = (r * length + p) * dim;
                    double a = x[at + j], b = x[at + j + half];
                    y[at + j] = a * Math.Cos(theta) - b * Math.Sin(theta);
                    y[at + j + half] = b * Math.Cos(theta) + a * Math.Sin(theta);
                }
        return y;
    }

    [Theory]
    [InlineData(8, 0, 10000.0)]
    [InlineData(6, 5, 500.0)]
    public void RotaryRotatesEachHalfPairAsTheNaiveLoop(int dim, int offset, double @base)
    {
        var rope = new RotaryEmbedding(dim, @base, DType.Float64);
        var x = Tensor.Randn([2, 3, 5, dim], new Generator(2)).To(DType.Float64);
        var y = rope.Forward(x, offset);
        NnTestUtil.AssertClose(NaiveRotary(x.ToDoubleArray(), 6, 5, dim, offset, @base), y.ToDoubleArray(), "rope", 1e-12, 1e-12);
        // A rotation keeps the norm of every pair.
        NnTestUtil.AssertClose(x.Square().Sum(-1).ToDoubleArray(), y.Square().Sum(-1).ToDoubleArray(), "norms", 1e-12, 1e-12);
    }

    [Fact]
    public void RotaryScoresDependOnTheDistanceOnly()
    {
        var rope = new RotaryEmbedding(8, dtype: DType.Float64);
        var g = new Generator(3);
        var q = Tensor.Randn([1, 8], g).To(DType.Float64);
        var k = Tensor.Randn([1, 8], g).To(DType.Float64);
        double Score(int pq, int pk) => (rope.Forward(q, pq) * rope.Forward(k, pk)).Sum().Item<double>();
        Assert.Equal(Score(3, 1), Score(10, 8), 12);
        Assert.Equal(Score(0, 4), Score(5, 9), 12);
        Assert.NotEqual(Score(3, 1), Score(3, 2), 6);
    }

    [Fact]
    public void RotateHalfNegatesTheSecondHalfAndSwaps()
    {
        var y = Functional.RotateHalf(Tensor.From(new double[] { 1, 2, 3, 4 })).ToDoubleArray();
        Assert.Equal([-3.0, -4.0, 1.0, 2.0], y);
        Assert.Contains("even", Assert.Throws<ArgumentException>(() => Functional.RotateHalf(Tensor.Zeros(3))).Message);
        Assert.Contains("[*, L, 4]", Assert.Throws<ArgumentException>(() => new RotaryEmbedding(4).Forward(Tensor.Zeros(2, 6))).Message);
    }

    [Fact]
    public void RotaryGradientIsTheInverseRotation()
    {
        // y = R x with R orthogonal, so d(sum(y · w))/dx = Rᵀ w: rotating by −θ (position −p) undoes it.
        var rope = new RotaryEmbedding(4, dtype: DType.Float64);
        var x = Tensor.Randn([3, 4], new Generator(4)).To(DType.Float64);
        var w = Tensor.Randn([3, 4], new Generator(5)).To(DType.Float64);
        var grad = Grad.Of(xs => (rope.Forward(xs[0], 2) * w).Sum(), [x]).Gradients[0].ToDoubleArray();
        var expected = new double[12];
        var ws = w.ToDoubleArray();
        for (int p = 0; p < 3; p++)
            for (int j = 0; j < 2; j++)
            {
                double theta = (p + 2) * Math.Pow(10000, -2.0 * j / 4);
                double a = ws[p * 4 + j], b = ws[p * 4 + j + 2];
                expected[p * 4 + j] = a * Math.Cos(theta) + b * Math.Sin(theta);
                expected[p * 4 + j + 2] = b * Math.Cos(theta) - a * Math.Sin(theta);
            }
        NnTestUtil.AssertClose(expected, grad, "rope gradient", 1e-12, 1e-12);
    }

    [Theory]
    [InlineData(null, 1e-9)]
    [InlineData(1e-3, 1.0)]
    public void RmsNormFollowsTheFormulaInFloat64(double? eps, double scale)
    {
        var x = (Tensor.Randn([4, 6], new Generator(6)).To(DType.Float64) * scale);
        var norm = new RMSNorm(6, eps, dtype: DType.Float64);
        using (new NoGrad()) norm.Weight!.Copy_(Tensor.Linspace(0.5, 2, 6, DType.Float64));
        var y = norm.Forward(x).ToDoubleArray();
        var xs = x.ToDoubleArray();
        var w = norm.Weight.ToDoubleArray();
        double e = eps ?? Math.Pow(2, -52);   // torch.finfo(float64).eps
        for (int r = 0; r < 4; r++)
        {
            double ms = 0;
            for (int c = 0; c < 6; c++) ms += xs[r * 6 + c] * xs[r * 6 + c] / 6;
            for (int c = 0; c < 6; c++) Assert.Equal(xs[r * 6 + c] / Math.Sqrt(ms + e) * w[c], y[r * 6 + c], 12);
        }
        Assert.Contains("normalized_shape=[5]", Assert.Throws<ArgumentException>(() => Functional.RmsNorm(x, [5])).Message);
    }
}
