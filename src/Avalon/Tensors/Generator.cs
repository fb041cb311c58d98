namespace Avalon;

/// <summary>
/// A seeded pseudo-random generator (PyTorch's <c>torch.Generator</c>): the same seed gives the same
/// stream. Uses xoshiro256** seeded through SplitMix64; normals by the Box-Muller transform.
/// Not thread-safe: give each thread its own generator.
/// </summary>
public sealed class Generator
{
    private ulong _s0, _s1, _s2, _s3;
    private double? _spareNormal;

    /// <summary>The generator used when none is given. Reseed it with <see cref="ManualSeed"/>.</summary>
    public static Generator Default { get; } = new(DefaultSeedValue);

    private const ulong DefaultSeedValue = 0x5EEDA7A1;

    private static long s_identities;

    /// <summary>Creates a generator with the given seed.</summary>
    public Generator(ulong seed)
    {
        Identity = Interlocked.Increment(ref s_identities);
        Seed(seed);
    }

    /// <summary>A number that tells generators apart when a tape prints (<c>seed generator#3</c>).</summary>
    public long Identity { get; }

    /// <summary>
    /// Draws the seed of one random primitive call as an int64 scalar tensor. While a tape traces, the
    /// draw is recorded as a <see cref="Autodiff.SeedOp"/>, so each replay of the tape draws a fresh seed
    /// from this generator: the same generator seed gives the same sequence of draws, eager or replayed.
    /// </summary>
    public Tensor NextSeed()
    {
        // Drawn on the host whatever the default device; a random call elsewhere moves it (Tensor.SeedOn).
        var seed = Tensor.HostScalar((long)NextUInt64());
        Autodiff.Recorder.RecordSeed(seed, this);
        return seed;
    }

    /// <summary>
    /// Draws the next seed like <see cref="NextSeed"/> (the same value the same draw would give) into
    /// an int64 0-d tensor the caller holds, recording nothing: what a compiled tape does on every run.
    /// It allocates nothing for a host tensor; another device's tensor receives it through a small
    /// host copy.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="seed"/> is not an int64 0-d tensor.</exception>
    public void NextSeedInto(Tensor seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        if (seed.DType != DType.Int64 || seed.Rank != 0)
            throw OpErrors.Argument("Generator.NextSeedInto", $"the seed tensor must be int64 and 0-d, got {seed.DType.Name()}{seed.Shape}.");
        long value = (long)NextUInt64();
        if (seed.Storage.TryWriteInt64(seed.Offset, value)) return;
        var host = seed.Storage.Backend.FromHost(new[] { value }, DType.Int64);
        seed.Storage.Backend.Copy(Tensor.OverStorage(host, []), seed);
    }

    /// <summary>The seed last set.</summary>
    public ulong InitialSeed { get; private set; }

    /// <summary>Reseeds this generator.</summary>
    public Generator Seed(ulong seed)
    {
        InitialSeed = seed;
        ulong x = seed;
        _s0 = SplitMix(ref x);
        _s1 = SplitMix(ref x);
        _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x);
        _spareNormal = null;
        return this;
    }

    /// <summary>Reseeds the default generator (PyTorch's <c>torch.manual_seed</c>).</summary>
    public static void ManualSeed(ulong seed) => Default.Seed(seed);

    private static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>A uniform float in [0, 1).</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>A standard normal sample.</summary>
    public double NextNormal()
    {
        if (_spareNormal is { } spare)
        {
            _spareNormal = null;
            return spare;
        }
        double u1;
        do u1 = NextDouble(); while (u1 <= double.Epsilon);
        double u2 = NextDouble();
        double r = Math.Sqrt(-2.0 * Math.Log(u1));
        _spareNormal = r * Math.Sin(2 * Math.PI * u2);
        return r * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A uniform integer in [low, high).</summary>
    public long NextInt64(long low, long high)
    {
        if (high <= low) throw new ArgumentException($"random integer: expected low < high, got [{low}, {high}).");
        ulong range = (ulong)(high - low);
        // Lemire-style rejection to avoid modulo bias.
        ulong limit = ulong.MaxValue - ulong.MaxValue % range;
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return low + (long)(r % range);
    }
}
