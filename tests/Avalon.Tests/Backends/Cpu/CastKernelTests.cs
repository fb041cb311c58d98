namespace Avalon.Tests.Backends.Cpu;

/// <summary>
/// Every dtype pair of the CPU cast against a per-element reference written here with PyTorch's
/// semantics: floating point → integer truncates toward zero, int64 → int32 keeps the low 32 bits,
/// to floating point rounds to nearest, bool → 0/1, nonzero → true (NaN is nonzero). Where PyTorch is
/// undefined (NaN, ±Inf, out of range to an integer dtype) the documented result is saturation with
/// NaN → 0. Lengths cover every vector remainder; special values sit at varying positions.
/// </summary>
public class CastKernelTests
{
    private static readonly DType[] s_dtypes = [DType.Float32, DType.Float64, DType.Int32, DType.Int64, DType.Bool];

    public static TheoryData<DType, DType> Pairs()
    {
        var data = new TheoryData<DType, DType>();
        foreach (var from in s_dtypes)
            foreach (var to in s_dtypes)
                data.Add(from, to);
        return data;
    }

    private static readonly double[] s_specialDoubles =
    [
        double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5,
        2.7, -2.7, 3e9, -3e9, 1e20, -1e20, 1e300, -1e300, 2147483647.0, 2147483648.0, -2147483648.0,
        -2147483649.0, 9.2233720368547758e18, -9.2233720368547758e18, 16777217.0, 1.0000000596046448,
        9007199254740993.0, double.Epsilon,
    ];

    private static readonly long[] s_specialLongs =
    [
        0, 1, -1, long.MaxValue, long.MinValue, int.MaxValue, int.MinValue, (long)int.MaxValue + 1,
        (long)int.MinValue - 1, 3_000_000_000, -3_000_000_000, 16_777_217, 9_007_199_254_740_993,
        (1L << 40) + 5,
    ];

    private static Array Source(DType dtype, int n, Random rng)
    {
        switch (dtype)
        {
            case DType.Float32:
            {
                var a = new float[n];
                for (int i = 0; i < n; i++)
                    a[i] = rng.Next(3) == 0 ? (float)s_specialDoubles[rng.Next(s_specialDoubles.Length)] : (float)(rng.NextDouble() * 2000 - 1000);
                return a;
            }
            case DType.Float64:
            {
                var a = new double[n];
                for (int i = 0; i < n; i++)
                    a[i] = rng.Next(3) == 0 ? s_specialDoubles[rng.Next(s_specialDoubles.Length)] : rng.NextDouble() * 2e6 - 1e6;
                return a;
            }
            case DType.Int32:
            {
                var a = new int[n];
                for (int i = 0; i < n; i++)
                    a[i] = rng.Next(3) == 0 ? unchecked((int)s_specialLongs[rng.Next(s_specialLongs.Length)]) : rng.Next(int.MinValue, int.MaxValue);
                return a;
            }
            case DType.Int64:
            {
                var a = new long[n];
                for (int i = 0; i < n; i++)
                    a[i] = rng.Next(3) == 0 ? s_specialLongs[rng.Next(s_specialLongs.Length)] : rng.NextInt64(long.MinValue, long.MaxValue) >> rng.Next(64);
                return a;
            }
            default:
            {
                var a = new bool[n];
                for (int i = 0; i < n; i++) a[i] = rng.Next(2) == 1;
                return a;
            }
        }
    }

    // Truncation toward zero with the out-of-range results spelled out (NaN → 0, saturation).
    private static long TruncateToRange(double x, double lowInclusive, double highExclusive, long min, long max)
    {
        if (double.IsNaN(x)) return 0;
        if (x >= highExclusive) return max;
        if (x < lowInclusive) return min;
        return (long)Math.Truncate(x);
    }

    private static object Reference(object value, DType to)
    {
        switch (value)
        {
            case bool b:
                return to switch
                {
                    DType.Float32 => b ? 1f : 0f,
                    DType.Float64 => b ? 1.0 : 0.0,
                    DType.Int32 => b ? 1 : 0,
                    DType.Int64 => b ? 1L : 0L,
                    _ => b,
                };
            case float or double:
            {
                double x = value is float f ? f : (double)value;
                return to switch
                {
                    DType.Float32 => value is float f32 ? f32 : (float)x,   // float64 → float32 rounds to nearest
                    DType.Float64 => x,
                    DType.Int32 => (int)TruncateToRange(x, -2147483648.0, 2147483648.0, int.MinValue, int.MaxValue),
                    DType.Int64 => TruncateToRange(x, -9223372036854775808.0, 9223372036854775808.0, long.MinValue, long.MaxValue),
                    _ => x != 0,   // NaN is nonzero
                };
            }
            default:
            {
                long x = value is int i ? i : (long)value;
                return to switch
                {
                    DType.Float32 => (float)x,
                    DType.Float64 => (double)x,
                    DType.Int32 => unchecked((int)x),   // keeps the low 32 bits, as a C++ static_cast
                    DType.Int64 => x,
                    _ => x != 0,
                };
            }
        }
    }

    private static Array ToArray(Tensor t) => t.DType switch
    {
        DType.Float32 => t.ToArray<float>(),
        DType.Float64 => t.ToArray<double>(),
        DType.Int32 => t.ToArray<int>(),
        DType.Int64 => t.ToArray<long>(),
        _ => t.ToArray<bool>(),
    };

    private static void AssertMatches(Array source, Tensor result, DType to, string what)
    {
        Assert.Equal(to, result.DType);
        var actual = ToArray(result);
        Assert.Equal(source.Length, actual.Length);
        for (int i = 0; i < source.Length; i++)
        {
            object x = source.GetValue(i)!, expected = Reference(x, to), got = actual.GetValue(i)!;
            // Equals compares floats bitwise-ish: NaN equals NaN, and 0.0 equals -0.0 (both fine here).
            Assert.True(expected.Equals(got), $"{what}: element {i} = {x} cast to {to.Name()} gave {got}, expected {expected}");
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void DenseCastMatchesPerElementReference(DType from, DType to)
    {
        var rng = new Random(17 + 5 * (int)from + (int)to);
        foreach (int n in new[] { 0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 65, 1000 })
        {
            var source = Source(from, n, rng);
            AssertMatches(source, Tensor.From(source).To(to), to, $"{from.Name()}→{to.Name()} n={n}");
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void StridedAndOffsetCastMatchesPerElementReference(DType from, DType to)
    {
        var rng = new Random(91 + 5 * (int)from + (int)to);
        var source = Source(from, 7 * 9, rng);
        var matrix = Tensor.From(source).Reshape(7, 9);
        // A transposed view and a view starting mid-storage.
        var transposed = matrix.T;
        var shifted = matrix[2..];
        AssertMatches(ToArray(transposed.Contiguous()), transposed.To(to), to, $"{from.Name()}→{to.Name()} transposed");
        AssertMatches(ToArray(shifted.Contiguous()), shifted.To(to), to, $"{from.Name()}→{to.Name()} offset");
    }

    [Fact]
    public void DocumentedEdgeCases()
    {
        var f = Tensor.From(new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity, 3e9f, -2.7f, 2.7f, -0f });
        Assert.Equal(new[] { 0, int.MaxValue, int.MinValue, int.MaxValue, -2, 2, 0 }, f.To(DType.Int32).ToArray<int>());
        Assert.Equal(new[] { true, true, true, true, true, true, false }, f.To(DType.Bool).ToArray<bool>());
        Assert.Equal(new long[] { 0, long.MaxValue, long.MinValue, 3_000_000_000, -2, 2, 0 }, f.To(DType.Int64).ToArray<long>());
        Assert.Equal(new[] { float.PositiveInfinity, float.NegativeInfinity }, Tensor.From(new[] { 1e300, -1e300 }).To(DType.Float32).ToArray<float>());
        Assert.Equal(new[] { -1294967296, 1 }, Tensor.From(new long[] { 3_000_000_000, (1L << 32) + 1 }).To(DType.Int32).ToArray<int>());
    }
}
