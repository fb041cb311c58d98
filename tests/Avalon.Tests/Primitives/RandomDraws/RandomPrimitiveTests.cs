using Avalon.Autodiff;
using Avalon.Backends.Cpu;
using Avalon.Primitives;
using Avalon.Primitives.Random;

namespace Avalon.Tests.Primitives.RandomDraws;

/// <summary>
/// The random primitives: kernels against a naive reference of the counter hash, statistics, thread
/// independence, offset output buffers, and seeds as tape values (replays draw afresh, the same
/// generator seed reproduces eager runs and replays).
/// </summary>
public sealed class RandomPrimitiveTests
{
    // An independent, naive statement of the stream CounterRandom defines.
    private static ulong NaiveMix(ulong z)
    {
        z ^= z >> 30; z *= 0xBF58476D1CE4E5B9UL;
        z ^= z >> 27; z *= 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong NaiveBits(long seed, long i) =>
        NaiveMix(NaiveMix((ulong)seed ^ 0x5851F42D4C957F2DUL) + (ulong)(i + 1) * 0x9E3779B97F4A7C15UL);

    private static double NaiveUniform(long seed, long i) => (NaiveBits(seed, i) >> 11) / 9007199254740992.0;

    private static double NaiveNormal(long seed, long i)
    {
        long j = i - i % 2;
        double u1 = ((NaiveBits(seed, j) >> 11) + 1) / 9007199254740992.0;
        double u2 = NaiveUniform(seed, j + 1);
        double r = Math.Sqrt(-2 * Math.Log(u1));
        return i % 2 == 0 ? r * Math.Cos(2 * Math.PI * u2) : r * Math.Sin(2 * Math.PI * u2);
    }

    private static Tensor Seed(long value) => Tensor.From(new[] { value }).Reshape();

    private static Attributes Shape(DType dtype, params int[] shape) => Attributes.Of(("shape", shape), ("dtype", dtype));

    [Fact]
    public void KernelsFollowTheNaiveReferenceOfTheHash()
    {
        const long s = -4_242_424_242_424L;
        var rand64 = RandomPrimitives.Rand.Invoke(Shape(DType.Float64, 3, 50), Seed(s)).ToArray<double>();
        var rand32 = RandomPrimitives.Rand.Invoke(Shape(DType.Float32, 150), Seed(s)).ToArray<float>();
        var randn = RandomPrimitives.Randn.Invoke(Shape(DType.Float64, 151), Seed(s)).ToArray<double>();
        var randint = RandomPrimitives.RandInt.Invoke(Attributes.Of(("low", -3L), ("high", 7L), ("shape", new[] { 150 })), Seed(s)).ToArray<long>();
        var p = Tensor.Linspace(0, 1, 150, DType.Float64);
        var bernoulli = RandomPrimitives.Bernoulli.Invoke(Attributes.Empty, p, Seed(s)).ToArray<double>();
        var x = Tensor.Randn([150], new Generator(1), DType.Float64);
        var dropout = RandomPrimitives.Dropout.Invoke(Attributes.Of(("p", 0.3)), x, Seed(s)).ToArray<double>();
        var xs = x.ToArray<double>();
        var ps = p.ToArray<double>();
        for (int i = 0; i < 150; i++)
        {
            Assert.Equal(NaiveUniform(s, i), rand64[i]);
            Assert.Equal((float)((NaiveBits(s, i) >> 40) / 16777216.0), rand32[i]);
            Assert.Equal(NaiveNormal(s, i), randn[i]);
            Assert.Equal(-3 + (long)(((UInt128)NaiveBits(s, i) * 10) >> 64), randint[i]);
            Assert.Equal(NaiveUniform(s, i) < ps[i] ? 1.0 : 0.0, bernoulli[i]);
            Assert.Equal(xs[i] * (NaiveUniform(s, i) < 0.3 ? 0 : 1 / 0.7), dropout[i]);
        }
        Assert.Equal(NaiveNormal(s, 150), randn[150]);
    }

    [Fact]
    public void StatisticsAreSane()
    {
        var g = new Generator(11);
        const int n = 200_000;
        var u = Tensor.Rand([n], g, DType.Float64).ToArray<double>();
        Assert.InRange(u.Average(), 0.5 - 0.005, 0.5 + 0.005);          // sd of the mean 0.00065
        Assert.InRange(Variance(u), 1 / 12.0 - 0.002, 1 / 12.0 + 0.002);
        Assert.All(u, v => Assert.True(v >= 0 && v < 1));
        var z = Tensor.Randn([n], g, DType.Float64).ToArray<double>();
        Assert.InRange(z.Average(), -0.01, 0.01);                        // sd of the mean 0.0022
        Assert.InRange(Variance(z), 0.98, 1.02);
        var evenOdd = Enumerable.Range(0, n / 2).Select(j => z[2 * j] * z[2 * j + 1]).Average();
        Assert.InRange(evenOdd, -0.015, 0.015);                          // the Box-Muller pair is uncorrelated
        var k = Tensor.RandInt(2, 9, [n], g).ToArray<long>();
        Assert.All(k, v => Assert.InRange(v, 2, 8));
        for (long v = 2; v < 9; v++) Assert.InRange(k.Count(e => e == v) / (double)n, 1 / 7.0 - 0.006, 1 / 7.0 + 0.006);
        var b = Tensor.Full([n], 0.25, DType.Float32).Bernoulli(g).ToArray<float>();
        Assert.All(b, v => Assert.True(v == 0 || v == 1));
        Assert.InRange(b.Average(e => e), 0.25 - 0.006, 0.25 + 0.006);
        var d = Tensor.Ones([n], DType.Float32).Dropout(0.2, true, g).ToArray<float>();
        Assert.InRange(d.Count(e => e == 0) / (double)n, 0.2 - 0.006, 0.2 + 0.006);
        Assert.InRange(d.Average(e => e), 1 - 0.01, 1 + 0.01);           // survivors scaled: the mean is kept
    }

    private static double Variance(double[] x)
    {
        double mean = x.Average();
        return x.Sum(v => (v - mean) * (v - mean)) / (x.Length - 1);
    }

    [Fact]
    public void OneAndTwoThreadsGiveTheSameNumbers()
    {
        double[][] Draw(int threads)
        {
            int saved = CpuParallel.Threads;
            try
            {
                CpuParallel.Threads = threads;
                var g = new Generator(5);
                var x = Tensor.Randn([100_003], new Generator(9), DType.Float32);
                return
                [
                    Tensor.Rand([100_003], g).To(DType.Float64).ToArray<double>(),
                    Tensor.Randn([100_003], g, DType.Float64).ToArray<double>(),
                    Tensor.Rand([100_003], g).Bernoulli(g).To(DType.Float64).ToArray<double>(),
                    x.Dropout(0.4, true, g).To(DType.Float64).ToArray<double>(),
                    Tensor.RandInt(0, 1000, [100_003], g).To(DType.Float64).ToArray<double>(),
                ];
            }
            finally { CpuParallel.Threads = saved; }
        }
        var one = Draw(1);
        var two = Draw(2);
        for (int i = 0; i < one.Length; i++) Assert.Equal(one[i], two[i]);
    }

    public static IEnumerable<(Primitive Primitive, Attributes Attributes, Tensor[] Inputs)> Calls()
    {
        var x = Tensor.Randn([4, 5], new Generator(3), DType.Float64).T; // strided input
        yield return (RandomPrimitives.Rand, Shape(DType.Float32, 4, 5), [Seed(17)]);
        yield return (RandomPrimitives.Rand, Shape(DType.Float64, 4, 5), [Seed(17)]);
        yield return (RandomPrimitives.Randn, Shape(DType.Float32, 4, 5), [Seed(18)]);
        yield return (RandomPrimitives.Randn, Shape(DType.Float64, 4, 5), [Seed(18)]);
        foreach (var dtype in new[] { DType.Int64, DType.Int32, DType.Float32, DType.Float64 })
            yield return (RandomPrimitives.RandInt, Attributes.Of(("low", -5L), ("high", 5L), ("shape", new[] { 4, 5 }), ("dtype", dtype)), [Seed(19)]);
        yield return (RandomPrimitives.Bernoulli, Attributes.Empty, [Tensor.Rand([5, 4], new Generator(1)), Seed(20)]);
        yield return (RandomPrimitives.Bernoulli, Attributes.Empty, [x.Sigmoid(), Seed(20)]);
        yield return (RandomPrimitives.Dropout, Attributes.Of(("p", 0.5)), [x, Seed(21)]);
        yield return (RandomPrimitives.Dropout, Attributes.Of(("p", 0.5)), [x.To(DType.Float32), Seed(21)]);
    }

    [Fact]
    public void EveryRandomPrimitiveComputesIntoOffsetBuffersLikeInvoke()
    {
        foreach (var (primitive, attributes, inputs) in Calls())
        {
            Assert.True(primitive.Effects.IsRandom, primitive.Name);
            var expected = primitive.Invoke(attributes, inputs);
            var big = Tensor.Full([64], double.NaN, expected.DType.IsFloatingPoint() ? expected.DType : DType.Float64).To(expected.DType);
            if (!expected.DType.IsFloatingPoint()) big = Tensor.Full([64], -777, expected.DType);
            var buffer = Tensor.OverStorage(big.Storage, expected.Shape.ToArray(), null, 7);
            primitive.Compute(inputs, primitive.ValidateAttributes(attributes), [buffer]);
            Assert.Equal(expected.To(DType.Float64).ToArray<double>().Select(BitConverter.DoubleToInt64Bits),
                buffer.To(DType.Float64).ToArray<double>().Select(BitConverter.DoubleToInt64Bits));
        }
    }

    [Fact]
    public void BadSeedsAndShapesAreErrorsNamingThePrimitive()
    {
        var e = Assert.Throws<ArgumentException>(() => RandomPrimitives.Rand.Invoke(Shape(DType.Float32, 2), Tensor.From(new long[] { 1, 2 })));
        Assert.Contains("rand: the seed must be an int64 0-d tensor", e.Message);
        e = Assert.Throws<ArgumentException>(() => RandomPrimitives.Randn.Invoke(Shape(DType.Int64, 2), Seed(1)));
        Assert.Contains("randn: expected a floating-point dtype, got int64", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.RandInt(3, 3, [2]));
        Assert.Contains("expected low < high", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.Rand([2, -1]));
        Assert.Contains("rand: sizes must be non-negative", e.Message);
        e = Assert.Throws<ArgumentException>(() => Tensor.From(new long[] { 1 }).Bernoulli());
        Assert.Contains("bernoulli: expected floating-point probabilities", e.Message);
    }

    [Fact]
    public void ThreeReplaysOfADropoutTapeGiveDifferentMasks()
    {
        var g = new Generator(123);
        var x = Tensor.Randn([8, 16], new Generator(4), DType.Float64);
        var r = Grad.Of(a => a[0].Dropout(0.5, true, g).Sum(), [x]);
        Assert.Contains("seed generator#", r.Tape.ToString());
        var masks = new List<double[]> { r.Gradients[0].ToArray<double>() };
        for (int i = 0; i < 3; i++) masks.Add(r.Tape.Run(x)[1].ToArray<double>());
        foreach (var m in masks) Assert.All(m, v => Assert.True(v == 0 || v == 2, $"mask value {v}"));
        for (int i = 0; i < masks.Count; i++)
            for (int j = 0; j < i; j++)
                Assert.NotEqual(masks[j], masks[i]);
        // Each replay's value is the input times its own mask.
        var replay = r.Tape.Run(x);
        Assert.Equal((x * replay[1]).Sum().Item(), replay[0].Item(), 12);
    }

    [Fact]
    public void TheSameGeneratorSeedReproducesEagerRunsAndReplays()
    {
        var x = Tensor.Randn([6, 7], new Generator(4), DType.Float64);
        Func<Tensor[], Tensor> F(Generator g) => a => a[0].Dropout(0.3, true, g) + Tensor.Randn([6, 7], g, DType.Float64) * Tensor.Rand([7], g, DType.Float64);

        (double[] Traced, double[][] Replays) Run()
        {
            var g = new Generator(99);
            var tape = Grad.Trace(F(g), x);
            return (tape.ValueOf(tape.Outputs[0])!.ToArray<double>(), [tape.Run(x)[0].ToArray<double>(), tape.Run(x)[0].ToArray<double>()]);
        }
        var first = Run();
        var second = Run();
        Assert.Equal(first.Traced, second.Traced);
        Assert.Equal(first.Replays[0], second.Replays[0]);
        Assert.Equal(first.Replays[1], second.Replays[1]);
        Assert.NotEqual(first.Replays[0], first.Replays[1]);

        // Eager runs from the same generator state give the traced run, then the replays, in order.
        var eager = new Generator(99);
        Assert.Equal(first.Traced, F(eager)([x]).ToArray<double>());
        Assert.Equal(first.Replays[0], F(eager)([x]).ToArray<double>());
        Assert.Equal(first.Replays[1], F(eager)([x]).ToArray<double>());
    }
}
