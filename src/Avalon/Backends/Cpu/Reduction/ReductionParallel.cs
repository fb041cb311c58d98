namespace Avalon.Backends.Cpu.Reduction;

/// <summary>A block of a reduction's output: outer indices [O0, O1) by inner indices [I0, I1).</summary>
internal readonly record struct ReductionBlock(int O0, int O1, int I0, int I1);

/// <summary>
/// Splits the output of a <see cref="ReductionPlan"/> into blocks for <see cref="CpuParallel"/>. Small
/// problems run inline as one block. Larger ones are cut into column ranges (inner indices) that depend
/// only on the plan, and the outer indices into as many ranges as the threads need.
/// </summary>
/// <remarks>
/// Every output element is reduced whole, by one block, so no partial results are combined. What a split
/// can change is how the vectorised kernels see a column: a column block's width and offset decide whether
/// a column falls in a vector body or in a scalar tail, and vector and scalar code (exp, for one) need not
/// round alike. So the column ranges, and the choice to cut at all, follow from the problem's size alone,
/// never from the thread count; the outer split is free to follow the threads, since a block computes each
/// outer index the same way whichever block holds it. Results are bitwise the same with any thread count.
/// </remarks>
internal static class ReductionParallel
{
    // Elements read per block below which splitting costs more than it saves.
    private const long GrainElements = 1 << 15;

    // Column blocks are at least this wide (every column in a vector body, for any vector width) ...
    private const int MinColumnWidth = 64;

    // ... and at most this many.
    private const int MaxColumnBlocks = 64;

    /// <summary>Runs <paramref name="body"/> over blocks that together cover the plan's output once.</summary>
    public static void For(in ReductionPlan plan, Action<ReductionBlock> body) =>
        For(plan, body, static (b, block) => b(block));

    /// <summary>
    /// Runs <paramref name="body"/> (given <paramref name="state"/>) over blocks that together cover the
    /// plan's output once. A problem small enough for one block runs inline and allocates nothing when
    /// <paramref name="body"/> is a static lambda; a split one allocates its closure.
    /// </summary>
    public static void For<TState>(in ReductionPlan plan, TState state, Action<TState, ReductionBlock> body)
    {
        long work = (long)plan.Outer * Math.Max(plan.Length, 1) * plan.Inner;
        long grains = work / GrainElements;
        int outer = plan.Outer, inner = plan.Inner;
        if (grains <= 1 || (long)outer * inner <= 1)
        {
            body(state, new ReductionBlock(0, outer, 0, inner));
            return;
        }

        int columnBlocks = (int)Math.Clamp(Math.Min(grains, inner / MinColumnWidth), 1, MaxColumnBlocks);
        long threads = CpuParallel.Threads;
        long outerBlocks = Math.Min((threads + columnBlocks - 1) / columnBlocks, Math.Max(1, grains / columnBlocks));
        int rows = (int)Math.Clamp(outerBlocks, 1, outer);
        int tiles = rows * columnBlocks;
        if (tiles == 1)
        {
            body(state, new ReductionBlock(0, outer, 0, inner));
            return;
        }
        Split(outer, inner, rows, columnBlocks, state, body);
    }

    // A separate method so that the closure is only allocated on the split path.
    private static void Split<TState>(int outer, int inner, int rows, int columnBlocks, TState state, Action<TState, ReductionBlock> body) =>
        CpuParallel.For(rows * columnBlocks, t =>
        {
            int r = t / columnBlocks, c = t % columnBlocks;
            body(state, new ReductionBlock(Part(outer, rows, r), Part(outer, rows, r + 1), Part(inner, columnBlocks, c), Part(inner, columnBlocks, c + 1)));
        });

    private static int Part(int count, int parts, int index) => (int)((long)count * index / parts);
}
