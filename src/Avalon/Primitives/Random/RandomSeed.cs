namespace Avalon.Primitives.Random;

/// <summary>The check every random primitive makes of its seed input.</summary>
internal static class RandomSeed
{
    /// <summary>Throws unless <paramref name="seed"/> is an int64 0-d tensor.</summary>
    public static void Check(string op, TensorSpec seed)
    {
        if (seed.DType != DType.Int64 || seed.Shape.Rank != 0)
            throw OpErrors.Argument(op, $"the seed must be an int64 0-d tensor (from Generator.NextSeed()), got {seed}.");
    }
}
