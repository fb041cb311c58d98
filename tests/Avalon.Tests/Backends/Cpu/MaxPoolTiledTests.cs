using Avalon.Backends.Cpu.Pooling;
using Avalon.Primitives.Pooling;

namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// The vectorised max pooling of tiling windows against the general window loop, bit for bit (values and
/// indices), on data full of ties, signed zeros, infinities and NaNs with distinct payloads, for every
/// remainder of the vector width.
/// </summary>
public class MaxPoolTiledTests
{
    /// <summary>Values drawn from a small set so that windows tie often; NaNs carry their draw in the payload.</summary>
    private static double Draw(Random random, double nanRate)
    {
        double u = random.NextDouble();
        if (u < nanRate) return BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0000L | (long)random.Next(1, 1 << 20) << 29);
        return random.Next(12) switch
        {
            0 => double.NegativeInfinity,
            1 => double.PositiveInfinity,
            2 => 0.0,
            3 => -0.0,
            4 => -1.0,
            5 => 1.0,
            _ => random.Next(-3, 4) * 0.5,
        };
    }

    private static void Compare<T>(PoolGeometry g, T[] input, string label) where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        Assert.True(MaxPoolTiled.Applies(g), label);
        long n = g.OutputLength;
        var expected = new T[n];
        var expectedIndices = new long[n];
        MaxPool.Forward(g, input, expected, expectedIndices, allowFastPath: false);
        var values = new T[n];
        var indices = new long[n];
        MaxPool.Forward(g, input, values, indices);
        var onlyValues = new T[n];
        MaxPool.Forward(g, input, onlyValues, Span<long>.Empty);
        var onlyIndices = new long[n];
        MaxPool.Forward(g, input, Span<T>.Empty, onlyIndices);
        for (long i = 0; i < n; i++)
        {
            Assert.True(Bits(expected[i]) == Bits(values[i]), $"{label}: value {i}: {values[i]}, expected {expected[i]}");
            Assert.True(Bits(expected[i]) == Bits(onlyValues[i]), $"{label}: value-only {i}: {onlyValues[i]}, expected {expected[i]}");
            Assert.True(expectedIndices[i] == indices[i], $"{label}: index {i}: {indices[i]}, expected {expectedIndices[i]}");
            Assert.True(expectedIndices[i] == onlyIndices[i], $"{label}: index-only {i}: {onlyIndices[i]}, expected {expectedIndices[i]}");
        }
    }

    private static long Bits<T>(T value) where T : unmanaged =>
        value is float f ? BitConverter.SingleToInt32Bits(f) : BitConverter.DoubleToInt64Bits((double)(object)value);

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.05)]
    [InlineData(0.5)]
    public void MatchesTheWindowLoopForEveryWidthRemainder(double nanRate)
    {
        var random = new Random(1234 + (int)(nanRate * 100));
        foreach (int kW in new[] { 2, 3, 5 })
        foreach (int kH in new[] { 1, 2, 3 })
        for (int outW = 1; outW <= 19; outW++)   // every remainder of 8 and 4 outputs, with and without full blocks
        {
            int inW = outW * kW + random.Next(kW);   // sometimes columns left over at the right
            int inH = kH * (1 + random.Next(3)) + random.Next(kH);   // and rows at the bottom
            int n = 1 + random.Next(2), c = 1 + random.Next(3);
            var g = PoolGeometry.CreateMax(n, c, [inH, inW], [kH, kW], [], [0, 0], [1, 1], ceilMode: false);
            var data = new double[g.InputLength];
            for (int i = 0; i < data.Length; i++) data[i] = Draw(random, nanRate);
            string label = $"k=[{kH},{kW}] in=[{inH},{inW}] nan={nanRate}";
            Compare(g, data, "double " + label);
            Compare(g, data.Select(v => (float)v).ToArray(), "float " + label);
        }
    }

    [Fact]
    public void OneDimensionalAndCeilModeWithWholeWindows()
    {
        var random = new Random(7);
        foreach (int inW in new[] { 16, 17, 33 })
        {
            var g1 = PoolGeometry.CreateMax(2, 3, [inW], [2], [], [0], [1], ceilMode: false);
            var data = Enumerable.Range(0, (int)g1.InputLength).Select(_ => Draw(random, 0.1)).ToArray();
            Compare(g1, data, $"1d in={inW}");
            Compare(g1, data.Select(v => (float)v).ToArray(), $"1d float in={inW}");
        }
        // ceil_mode changes nothing when the windows tile the input exactly.
        var g = PoolGeometry.CreateMax(1, 2, [6, 20], [2, 2], [], [0, 0], [1, 1], ceilMode: true);
        var even = Enumerable.Range(0, (int)g.InputLength).Select(_ => Draw(random, 0.1)).ToArray();
        Compare(g, even.Select(v => (float)v).ToArray(), "ceil mode, exact tiling");
    }

    [Fact]
    public void AllMinusInfinityWindowsPointAtTheirFirstElement()
    {
        var g = PoolGeometry.CreateMax(1, 1, [2, 16], [2, 2], [], [0, 0], [1, 1], ceilMode: false);
        var data = Enumerable.Repeat(float.NegativeInfinity, 32).ToArray();
        var values = new float[g.OutputLength];
        var indices = new long[g.OutputLength];
        MaxPool.Forward<float>(g, data, values, indices);
        Assert.All(values, v => Assert.Equal(float.NegativeInfinity, v));
        Assert.Equal(Enumerable.Range(0, 8).Select(i => 2L * i).ToArray(), indices);
    }

    [Fact]
    public void OverlappingPaddedOrPartialWindowsTakeTheGeneralLoop()
    {
        Assert.False(MaxPoolTiled.Applies(PoolGeometry.CreateMax(1, 1, [4, 8], [2, 2], [1, 1], [0, 0], [1, 1], false)));
        Assert.False(MaxPoolTiled.Applies(PoolGeometry.CreateMax(1, 1, [4, 8], [2, 2], [], [1, 1], [1, 1], false)));
        Assert.False(MaxPoolTiled.Applies(PoolGeometry.CreateMax(1, 1, [4, 8], [2, 2], [], [0, 0], [1, 2], false)));
        Assert.False(MaxPoolTiled.Applies(PoolGeometry.CreateMax(1, 1, [4, 9], [2, 2], [], [0, 0], [1, 1], ceilMode: true)));
        Assert.False(MaxPoolTiled.Applies(PoolGeometry.CreateMax(1, 1, [4, 9], [3, 3], [2, 2], [0, 0], [1, 1], false)));
        Assert.False(MaxPoolTiled.Applies(PoolGeometry.CreateMax(1, 1, [4, 9], [2, 1], [], [0, 0], [1, 1], false)));
        Assert.True(MaxPoolTiled.Applies(PoolGeometry.CreateMax(1, 1, [4, 9], [2, 2], [], [0, 0], [1, 1], false)));
        Assert.True(MaxPoolTiled.Applies(PoolGeometry.CreateMax(1, 1, [4, 9], [3, 3], [], [0, 0], [1, 1], false)));
    }
}
