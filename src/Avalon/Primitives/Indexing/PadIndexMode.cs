namespace Avalon.Primitives.Indexing;

/// <summary>How a padded position maps back to a position of the input along one dim.</summary>
internal enum PadIndexMode
{
    /// <summary>Mirror without repeating the edge: [a b c] padded by 2 reads c b | a b c | b a.</summary>
    Reflect,
    /// <summary>Repeat the edge: a a | a b c | c c.</summary>
    Replicate,
    /// <summary>Wrap around: b c | a b c | a b.</summary>
    Circular,
}
