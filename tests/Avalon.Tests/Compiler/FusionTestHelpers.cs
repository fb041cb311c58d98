using Avalon.Autodiff;
using Avalon.Compiler;
using Avalon.Compiler.Fusion;

namespace Avalon.Tests.Compiler;

/// <summary>Runs a tape before and after elementwise fusion and compares the results.</summary>
internal static class FusionTestHelpers
{
    public static Tape Fuse(Tape tape) => new ElementwiseFusion().Run(tape, new PassContext(new CompileOptions { DebugLevel = 0 }));

    public static int FusedCalls(Tape tape) => tape.Ops.OfType<CallOp>().Count(c => c.Primitive is FusedElementwisePrimitive);

    /// <summary>Random floats in [-range, range), with some exact zeros, negative zeros and (optionally) NaN and ±∞ mixed in.</summary>
    public static float[] RandomFloats(int n, int seed, double range = 4, bool specials = false)
    {
        var rng = new Random(seed);
        var v = new float[n];
        for (int i = 0; i < n; i++)
        {
            v[i] = (float)((rng.NextDouble() * 2 - 1) * range);
            if (specials)
                switch (rng.Next(40))
                {
                    case 0: v[i] = 0f; break;
                    case 1: v[i] = -0f; break;
                    case 2: v[i] = float.NaN; break;
                    case 3: v[i] = float.PositiveInfinity; break;
                    case 4: v[i] = float.NegativeInfinity; break;
                }
        }
        return v;
    }

    public static Tensor RandomTensor(int seed, int[] shape, double range = 4, bool specials = false, DType dtype = DType.Float32)
    {
        var t = Tensor.From(RandomFloats(Math.Max(1, shape.Aggregate(1, (a, b) => a * b)), seed, range, specials)).Reshape(shape);
        return dtype == DType.Float32 ? t : t.To(dtype);
    }

    /// <summary>Runs both tapes on the inputs and asserts every output equal bit for bit (NaNs compare as NaN).</summary>
    public static void AssertSameBits(Tape unfused, Tape fused, Tensor[] inputs, string what) =>
        AssertSameBits(unfused.Run(inputs), fused.Run(inputs), what);

    /// <summary>Asserts two runs' outputs equal bit for bit (NaNs compare as NaN).</summary>
    public static void AssertSameBits(Tensor[] a, Tensor[] b, string what)
    {
        Assert.Equal(a.Length, b.Length);
        for (int o = 0; o < a.Length; o++)
        {
            Assert.Equal(a[o].Shape, b[o].Shape);
            Assert.Equal(a[o].DType, b[o].DType);
            var x = a[o].ToDoubleArray();
            var y = b[o].ToDoubleArray();
            for (int i = 0; i < x.Length; i++)
                if (!(double.IsNaN(x[i]) && double.IsNaN(y[i])) && BitConverter.DoubleToInt64Bits(x[i]) != BitConverter.DoubleToInt64Bits(y[i]))
                    Assert.Fail($"{what}: output {o} element {i} of {x.Length}: unfused {x[i]:R}, fused {y[i]:R}.");
        }
    }

    /// <summary>
    /// Asserts every output element within <paramref name="ulps"/> units in the last place of the
    /// output's dtype (NaN where the other is NaN, infinities equal).
    /// </summary>
    public static void AssertWithinUlps(Tape unfused, Tape fused, Tensor[] inputs, string what, int ulps)
    {
        var a = unfused.Run(inputs);
        var b = fused.Run(inputs);
        for (int o = 0; o < a.Length; o++)
        {
            bool single = a[o].DType == DType.Float32;
            var x = a[o].ToDoubleArray();
            var y = b[o].ToDoubleArray();
            Assert.Equal(x.Length, y.Length);
            for (int i = 0; i < x.Length; i++)
            {
                if (double.IsNaN(x[i]) || double.IsNaN(y[i])) { Assert.True(double.IsNaN(x[i]) && double.IsNaN(y[i]), $"{what}: element {i}: {x[i]} vs {y[i]}"); continue; }
                if (x[i] == y[i]) continue;
                long distance = single
                    ? Math.Abs((long)Ordered(BitConverter.SingleToInt32Bits((float)x[i])) - Ordered(BitConverter.SingleToInt32Bits((float)y[i])))
                    : Math.Abs(Ordered(BitConverter.DoubleToInt64Bits(x[i])) - Ordered(BitConverter.DoubleToInt64Bits(y[i])));
                Assert.True(distance <= ulps, $"{what}: output {o} element {i}: unfused {x[i]:R}, fused {y[i]:R} ({distance} ulps apart).");
            }
        }
    }

    // Maps float bits to integers that order like the floats (so that differences count ulps).
    private static long Ordered(int bits) => bits < 0 ? int.MinValue - (long)bits : bits;

    private static long Ordered(long bits) => bits < 0 ? long.MinValue - bits : bits;
}
