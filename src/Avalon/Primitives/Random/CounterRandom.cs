namespace Avalon.Primitives.Random;

/// <summary>
/// The definition of the random streams of the random primitives: counter-based, so element i's value
/// is a pure function of the call's seed and i. Any backend, thread count or chunking therefore
/// produces the same numbers, and a kernel can compute any element independently.
/// </summary>
/// <remarks>
/// The bits of element i are SplitMix64's output at position i + 1 for the key
/// <c>mix(seed ^ 0x5851F42D4C957F2D)</c>: <c>mix(key + (i + 1)·0x9E3779B97F4A7C15)</c>, with
/// <c>mix</c> the SplitMix64 finaliser. Uniform doubles take the top 53 bits, uniform floats the top
/// 24; normals use the Box–Muller transform on the pair of counters (2j, 2j + 1), element 2j taking the
/// cosine and element 2j + 1 the sine; integers in [low, high) take the high 64 bits of
/// bits · (high − low) (bias below (high − low) / 2⁶⁴).
/// </remarks>
public static class CounterRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;

    /// <summary>The SplitMix64 finaliser.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The key a seed selects (computed once per call).</summary>
    public static ulong Key(long seed) => Mix((ulong)seed ^ 0x5851F42D4C957F2DUL);

    /// <summary>The 64 random bits of counter <paramref name="counter"/> under <paramref name="key"/>.</summary>
    public static ulong Bits(ulong key, long counter) => Mix(key + ((ulong)counter + 1) * Golden);

    /// <summary>A uniform double in [0, 1) from 64 bits (the top 53).</summary>
    public static double UniformDouble(ulong bits) => (bits >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in [0, 1) from 64 bits (the top 24).</summary>
    public static float UniformSingle(ulong bits) => (bits >> 40) * (1.0f / (1 << 24));

    /// <summary>The standard normal value of element <paramref name="index"/> (Box–Muller on the pair of counters it shares with its neighbour).</summary>
    public static double Normal(ulong key, long index)
    {
        long pair = index & ~1L;
        // u1 in (0, 1], so the logarithm is finite; u2 in [0, 1).
        double u1 = ((Bits(key, pair) >> 11) + 1) * (1.0 / (1UL << 53));
        double u2 = UniformDouble(Bits(key, pair + 1));
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        double angle = 2 * Math.PI * u2;
        return (index & 1) == 0 ? r * Math.Cos(angle) : r * Math.Sin(angle);
    }

    /// <summary>A uniform integer in [<paramref name="low"/>, <paramref name="high"/>) from 64 bits (multiply-high, no rejection).</summary>
    public static long Integer(ulong bits, long low, long high)
    {
        ulong range = (ulong)(high - low);
        return low + (long)Math.BigMul(bits, range, out _);
    }
}
