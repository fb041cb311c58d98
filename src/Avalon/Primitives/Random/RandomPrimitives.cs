namespace Avalon.Primitives.Random;

/// <summary>
/// The random primitives. Each takes its seed as an input (an int64 0-d tensor from
/// <see cref="Generator.NextSeed"/>), so a replayed tape draws fresh numbers and the same generator
/// seed reproduces the same run; their values follow <see cref="CounterRandom"/>.
/// </summary>
[PrimitiveSet]
internal static class RandomPrimitives
{
    /// <summary><c>rand(seed; shape, dtype)</c>: uniform in [0, 1).</summary>
    public static readonly RandomSamplePrimitive Rand = new(RandomDistribution.Uniform);

    /// <summary><c>randn(seed; shape, dtype)</c>: standard normal.</summary>
    public static readonly RandomSamplePrimitive Randn = new(RandomDistribution.Normal);

    /// <summary><c>randint(seed; low, high, shape, dtype)</c>: uniform integers in [low, high).</summary>
    public static readonly RandomSamplePrimitive RandInt = new(RandomDistribution.Integer);

    /// <summary><c>bernoulli(p, seed)</c>.</summary>
    public static readonly BernoulliPrimitive Bernoulli = new();

    /// <summary><c>dropout(x, seed; p)</c>.</summary>
    public static readonly DropoutPrimitive Dropout = new();
}
