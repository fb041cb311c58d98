using Avalon.Backends.Cpu.Elementwise;

namespace Avalon.Tests.Backends.Cpu.Elementwise;

/// <summary>
/// Outputs above <see cref="ElementwiseParallel.Threshold"/> are split across threads in fixed chunks:
/// the results must be bitwise the same with 1 and 2 threads, and equal a per-element loop written
/// here. Shapes are chosen so that chunk boundaries fall inside rows and the last chunk is ragged.
/// </summary>
[Collection(ThreadCountCollection.Name)]
public class ParallelElementwiseTests
{
    private static T[] WithThreads<T>(int threads, Func<Tensor> compute) where T : unmanaged
    {
        int saved = Avalon.Threads.Count;
        try
        {
            Avalon.Threads.Count = threads;
            return compute().ToArray<T>();
        }
        finally
        {
            Avalon.Threads.Count = saved;
        }
    }

    private static float[] RandomFloats(int n, int seed)
    {
        var rng = new Random(seed);
        var values = new float[n];
        for (int i = 0; i < n; i++) values[i] = (float)(rng.NextDouble() * 8 - 4);
        return values;
    }

    [Fact]
    public void SizesUnderTestAreSplit()
    {
        Assert.True(7 * 19_001 >= ElementwiseParallel.Threshold);
        Assert.True(ElementwiseParallel.ChunkCount(7 * 19_001) >= 2);
        Assert.True(ElementwiseParallel.ChunkCount(ElementwiseParallel.Threshold) >= 2);
    }

    [Fact]
    public void DenseAddIsTheSameForAnyThreadCountAndMatchesALoop()
    {
        int n = ElementwiseParallel.Threshold * 2 + 37;
        float[] x = RandomFloats(n, 1), y = RandomFloats(n, 2);
        var a = Tensor.From(x);
        var b = Tensor.From(y);
        float[] one = WithThreads<float>(1, () => a + b), two = WithThreads<float>(2, () => a + b);
        Assert.Equal(one, two);
        for (int i = 0; i < n; i++) Assert.Equal(x[i] + y[i], one[i]);
    }

    [Fact]
    public void BroadcastAndStridedBinaryOpsAreTheSameForAnyThreadCountAndMatchALoop()
    {
        // [7, 19001] * [19001] (rows longer than a chunk), and a transposed [19001, 7] - [7] (short rows).
        int rows = 7, cols = 19_001;
        float[] x = RandomFloats(rows * cols, 3), y = RandomFloats(cols, 4), z = RandomFloats(rows, 5);
        var a = Tensor.From(x, rows, cols);
        var b = Tensor.From(y);
        var c = Tensor.From(z);
        float[] mul1 = WithThreads<float>(1, () => a * b), mul2 = WithThreads<float>(2, () => a * b);
        Assert.Equal(mul1, mul2);
        for (int r = 0; r < rows; r++)
            for (int k = 0; k < cols; k++)
                Assert.Equal(x[r * cols + k] * y[k], mul1[r * cols + k]);

        var t = a.T;   // [cols, rows], strides (1, cols)
        float[] sub1 = WithThreads<float>(1, () => t - c), sub2 = WithThreads<float>(2, () => t - c);
        Assert.Equal(sub1, sub2);
        for (int k = 0; k < cols; k++)
            for (int r = 0; r < rows; r++)
                Assert.Equal(x[r * cols + k] - z[r], sub1[k * rows + r]);
    }

    [Fact]
    public void IntegerBinaryOpsAreTheSameForAnyThreadCount()
    {
        int n = ElementwiseParallel.Threshold + 5;
        var rng = new Random(6);
        long[] x = new long[n], y = new long[n];
        for (int i = 0; i < n; i++) { x[i] = rng.NextInt64(-1000, 1000); y[i] = rng.NextInt64(-1000, 1000); }
        var a = Tensor.From(x);
        var b = Tensor.From(y);
        long[] one = WithThreads<long>(1, () => a * b), two = WithThreads<long>(2, () => a * b);
        Assert.Equal(one, two);
        for (int i = 0; i < n; i++) Assert.Equal(x[i] * y[i], one[i]);
    }

    [Fact]
    public void UnaryFunctionsAreTheSameForAnyThreadCountAndMatchALoop()
    {
        int n = ElementwiseParallel.Threshold * 3 + 11;
        float[] x = RandomFloats(n, 7);
        var a = Tensor.From(x);
        // TensorPrimitives (exp), the UnaryLoop skeleton (erf) and an integer-capable one (abs).
        foreach (var (name, f, reference, tolerance) in new (string, Func<Tensor, Tensor>, Func<double, double>, double)[]
                 {
                     ("exp", t => t.Exp(), Math.Exp, 1e-6),
                     ("erf", t => t.Erf(), v => ErfReference(v), 1e-6),
                     ("abs", t => t.Abs(), Math.Abs, 0),
                 })
        {
            float[] one = WithThreads<float>(1, () => f(a)), two = WithThreads<float>(2, () => f(a));
            Assert.Equal(one, two);
            for (int i = 0; i < n; i++)
            {
                double expected = reference(x[i]);
                Assert.True(Math.Abs(one[i] - expected) <= tolerance * Math.Max(1, Math.Abs(expected)),
                    $"{name}({x[i]}) = {one[i]}, expected {expected}");
            }
        }
    }

    // The Maclaurin series of erf; for |x| <= 4 (the inputs here) double precision keeps about 1e-10.
    private static double ErfReference(double x)
    {
        double sum = 0, term = x;
        for (int k = 0; k < 200; k++)
        {
            sum += term / (2 * k + 1);
            term *= -x * x / (k + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
