namespace Avalon.Backends.Cpu.Reduction;

/// <summary>A block of a reduction's output: outer indices [O0, O1) by inner indices [I0, I1).</summary>
internal readonly record struct ReductionBlock(int O0, int O1, int I0, int I1);

/// <summary>
/// Splits the output of a <see cref="ReductionPlan"/> into blocks for <see cref="CpuParallel"/>: by
/// outer index when there are enough, otherwise by inner index (columns reduce independently).
/// Small problems run inline as one block.
/// </summary>
internal static class ReductionParallel
{
    // Elements read per block below which splitting costs more than it saves.
    private const long GrainElements = 1 << 15;

    /// <summary>Runs <paramref name="body"/> over blocks that together cover the plan's output once.</summary>
    public static void For(in ReductionPlan plan, Action<ReductionBlock> body)
    {
        long work = (long)plan.Outer * Math.Max(plan.Length, 1) * plan.Inner;
        int blocks = (int)Math.Min(CpuParallel.Threads, Math.Max(1, work / GrainElements));
        if (blocks <= 1 || plan.Outer * plan.Inner <= 1)
        {
            body(new ReductionBlock(0, plan.Outer, 0, plan.Inner));
            return;
        }
        int outer = plan.Outer, inner = plan.Inner;
        if (outer >= blocks)
        {
            CpuParallel.For(blocks, b => body(new ReductionBlock(Part(outer, blocks, b), Part(outer, blocks, b + 1), 0, inner)));
            return;
        }
        blocks = Math.Min(blocks, inner);
        CpuParallel.For(blocks, b => body(new ReductionBlock(0, outer, Part(inner, blocks, b), Part(inner, blocks, b + 1))));
    }

    private static int Part(int count, int parts, int index) => (int)((long)count * index / parts);
}
