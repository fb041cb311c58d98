namespace Avalon.Compiler.Memory;

/// <summary>
/// One buffer of a memory plan: where it lies in its arena and when it is live (positions are op
/// indices of the tape; a buffer returned by the tape is live to the end, position <c>Ops.Count</c>).
/// </summary>
/// <param name="ValueId">The value owning the buffer (its views and in-place results share it), or -1 for a call's scratch buffer.</param>
/// <param name="Arena">The index of its arena in <see cref="MemoryPlan.Arenas"/>.</param>
/// <param name="Offset">The first element, in elements of the arena's dtype.</param>
/// <param name="Length">The number of elements.</param>
/// <param name="Start">The op that writes it first.</param>
/// <param name="End">The last op that reads it (inclusive).</param>
public readonly record struct PlannedBuffer(int ValueId, int Arena, int Offset, int Length, int Start, int End)
{
    /// <summary>Whether two buffers are live at a common position (then they may not overlap in memory).</summary>
    public bool LiveTogetherWith(PlannedBuffer other) => Start <= other.End && other.Start <= End;
}
