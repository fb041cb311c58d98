using Avalon.Backends.Cpu.Elementwise;

namespace Avalon.Tests.Backends.Cpu.Elementwise;

/// <summary>
/// The dense where row loop against a plain per-element loop written here: every length from 0 to 70
/// (all remainders of the 4- and 8-lane vectors), dense or broadcast-scalar value operands, random masks
/// and element types of 1, 4 and 8 bytes; and the public where on those layouts.
/// </summary>
public class WhereLoopTests
{
    public static TheoryData<int, int> Strides => new() { { 1, 1 }, { 1, 0 }, { 0, 1 }, { 0, 0 } };

    [Theory]
    [MemberData(nameof(Strides))]
    public void MatchesPerElementSelect(int strideA, int strideB)
    {
        var rng = new Random(7 + 2 * strideA + strideB);
        for (int n = 0; n <= 70; n++)
        {
            bool[] condition = new bool[n];
            for (int i = 0; i < n; i++) condition[i] = rng.Next(2) == 1;
            Check(condition, strideA, strideB, i => (float)(i + 0.5), i => -(float)i - 1000f);
            Check(condition, strideA, strideB, i => i + 0.25, i => -i - 1e6);
            Check(condition, strideA, strideB, i => i + 1, i => -i - 1);
            Check(condition, strideA, strideB, i => (long)i << 33, i => -((long)i << 33) - 1);
            Check(condition, strideA, strideB, i => i % 3 == 0, i => i % 3 != 0);
        }
    }

    [Fact]
    public void SelectsOnAnyNonZeroConditionByteAndKeepsBitPatterns()
    {
        // NaN payloads and -0 must pass through unchanged: the select moves bits, it does no arithmetic.
        float[] a = [float.NaN, -0f, float.PositiveInfinity, 1f, 2f, 3f, 4f, 5f, 6f];
        float[] b = [7f, 8f, 9f, float.NegativeInfinity, -0f, float.NaN, 10f, 11f, 12f];
        bool[] condition = [true, true, true, false, false, false, true, false, true];
        float[] output = new float[a.Length];
        WhereLoop.Run(condition, ref a[0], 1, ref b[0], 1, output);
        for (int i = 0; i < a.Length; i++)
            Assert.Equal(BitConverter.SingleToInt32Bits(condition[i] ? a[i] : b[i]), BitConverter.SingleToInt32Bits(output[i]));
    }

    [Fact]
    public void PublicWhereWithScalarBranchMatchesReference()
    {
        // where(mask, grad, 0): the shape of ReLU's derivative rule, over lengths around the vector widths.
        foreach (int n in new[] { 1, 7, 8, 9, 31, 33, 1000 })
        {
            var rng = new Random(n);
            var values = Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 2 - 1).ToArray();
            var grads = Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray();
            var x = Tensor.From(values.Select(v => (float)v).ToArray());
            var g = Tensor.From(grads);
            var got = Tensor.Where(x.Gt(0), g, 0.0).ToArray<double>();
            var gotSwapped = Tensor.Where(x.Gt(0), 0.0, g).ToArray<double>();
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(values[i] > 0 ? grads[i] : 0.0, got[i]);
                Assert.Equal(values[i] > 0 ? 0.0 : grads[i], gotSwapped[i]);
            }
        }
    }

    private static void Check<T>(bool[] condition, int strideA, int strideB, Func<int, T> makeA, Func<int, T> makeB)
        where T : unmanaged
    {
        int n = condition.Length;
        // A scalar operand is one element; a dense one has n (at least one so the reference is valid).
        T[] a = Enumerable.Range(0, strideA == 0 ? 1 : Math.Max(n, 1)).Select(makeA).ToArray();
        T[] b = Enumerable.Range(0, strideB == 0 ? 1 : Math.Max(n, 1)).Select(makeB).ToArray();
        T[] output = new T[n];
        WhereLoop.Run(condition, ref a[0], strideA, ref b[0], strideB, output);
        for (int i = 0; i < n; i++)
        {
            T expected = condition[i] ? a[i * strideA] : b[i * strideB];
            Assert.True(EqualityComparer<T>.Default.Equals(expected, output[i]),
                $"{typeof(T).Name} n={n} strides ({strideA}, {strideB}) at {i}: expected {expected}, got {output[i]}");
        }
    }
}
