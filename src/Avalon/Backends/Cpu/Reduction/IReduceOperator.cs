namespace Avalon.Backends.Cpu.Reduction;

/// <summary>
/// An associative reduction (sum, product, max, min) written once for <see cref="ReduceLoop"/>: how to
/// reduce one contiguous row, and how to fold a row into a row of accumulators elementwise.
/// </summary>
internal interface IReduceOperator<T> where T : unmanaged
{
    /// <summary>The result of reducing an empty group (only asked when the op allows empty groups).</summary>
    static abstract T Identity { get; }

    /// <summary>The reduction of one non-empty contiguous row.</summary>
    static abstract T Row(ReadOnlySpan<T> row);

    /// <summary>acc[i] = op(acc[i], row[i]) for every i.</summary>
    static abstract void Fold(ReadOnlySpan<T> row, Span<T> acc);
}
