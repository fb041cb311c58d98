namespace Avalon.Backends.Cpu.Reduction;

/// <summary>
/// The one loop skeleton for associative reductions over a <see cref="ReductionPlan"/>: vectorised row
/// reductions when the groups are contiguous rows, row-wise vector folds into the output when they are
/// columns (reductions over leading or middle dims), split over threads by <see cref="ReductionParallel"/>.
/// </summary>
internal static class ReduceLoop
{
    /// <summary>
    /// Reduces <paramref name="x"/> over <paramref name="dims"/> into the dense tensor <paramref name="output"/>
    /// (of the reduction's output shape), writing every element from its offset.
    /// </summary>
    public static void Run<T, TOp>(Tensor x, int[] dims, Tensor output)
        where T : unmanaged where TOp : IReduceOperator<T>
    {
        var plan = ReductionLayout.Plan(x, dims);
        if (plan.Outer * plan.Inner == 0) return;
        if (plan.Length == 0)
        {
            output.ContiguousSpan<T>().Fill(TOp.Identity);
            return;
        }
        ReductionParallel.For(plan, (plan, output), static (s, block) => Block<T, TOp>(s.plan, s.output, block));
    }

    private static void Block<T, TOp>(ReductionPlan plan, Tensor output, ReductionBlock block)
        where T : unmanaged where TOp : IReduceOperator<T>
    {
        ReadOnlySpan<T> src = plan.Dense.CpuSpan<T>().Slice(plan.Dense.Offset);
        var dst = output.ContiguousSpan<T>();
        int n = plan.Length, inner = plan.Inner;
        if (inner == 1)
        {
            for (int o = block.O0; o < block.O1; o++) dst[o] = TOp.Row(src.Slice(o * n, n));
            return;
        }
        int width = block.I1 - block.I0;
        for (int o = block.O0; o < block.O1; o++)
        {
            var acc = dst.Slice(o * inner + block.I0, width);
            int baseIndex = o * n * inner + block.I0;
            src.Slice(baseIndex, width).CopyTo(acc);
            for (int r = 1; r < n; r++) TOp.Fold(src.Slice(baseIndex + r * inner, width), acc);
        }
    }
}
