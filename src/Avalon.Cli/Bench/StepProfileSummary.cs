using System.Globalization;
using Avalon.Compiler.Execution;

namespace Avalon.Cli.Bench;

/// <summary>
/// Where a compiled train step's time goes (<c>avalon bench cnn|vae --profile</c>): the planned steps of a
/// <see cref="Training.TrainStep.Profile"/> summed by operation, largest first, with each product's
/// achieved GFLOP/s where the step's FLOP count knows the primitive (a fused <c>matmul_epilogue</c> is
/// counted as its <c>matmul</c>, a <c>conv_epilogue_max_pool</c> as its <c>conv</c>).
/// </summary>
internal static class StepProfileSummary
{
    /// <summary>One operation's share of the step.</summary>
    /// <param name="Operation">The primitive's name, <c>copy</c> or <c>seed</c>.</param>
    /// <param name="Calls">Planned steps that run it.</param>
    /// <param name="Milliseconds">Their mean time per step, summed.</param>
    /// <param name="Share">That time over the profiled step's total.</param>
    internal sealed record Row(string Operation, int Calls, double Milliseconds, double Share)
    {
        public Dictionary<string, object> ToJson() => new()
        {
            ["op"] = Operation,
            ["calls"] = Calls,
            ["ms"] = Milliseconds,
            ["share"] = Share,
        };
    }

    /// <summary>The profile summed by operation, largest first.</summary>
    public static List<Row> ByOperation(IReadOnlyList<StepTiming> profile)
    {
        double total = profile.Sum(t => t.MeanMilliseconds);
        return profile.GroupBy(t => t.Operation)
            .Select(g => new Row(g.Key, g.Count(), g.Sum(t => t.MeanMilliseconds), total > 0 ? g.Sum(t => t.MeanMilliseconds) / total : 0))
            .OrderByDescending(r => r.Milliseconds)
            .ToList();
    }

    /// <summary>The product a fused call computes: <c>matmul_epilogue</c> → <c>matmul</c>, <c>conv_epilogue_max_pool</c> and <c>conv_max_pool</c> → <c>conv</c>.</summary>
    private static string Family(string operation)
    {
        foreach (string suffix in (ReadOnlySpan<string>)["_epilogue_max_pool", "_max_pool", "_epilogue"])
            if (operation.EndsWith(suffix, StringComparison.Ordinal) && operation.Length > suffix.Length) return operation[..^suffix.Length];
        return operation;
    }

    /// <summary>Steps listed one by one after the summary: the slowest, with the tape calls they run.</summary>
    private const int SlowestSteps = 12;

    /// <summary>Prints the rows and the slowest single steps of <paramref name="steps"/> (or a line saying the eager step has no profile).</summary>
    public static void Print(List<Row>? rows, IReadOnlyList<StepTiming>? steps, FlopCount flops, TextWriter output)
    {
        if (rows is null)
        {
            output.WriteLine("profile: only the compiled step has planned kernels to time (drop --eager)");
            return;
        }
        var c = CultureInfo.InvariantCulture;
        double total = rows.Sum(r => r.Milliseconds);
        output.WriteLine(string.Create(c, $"profile of the compiled step (warm-up model after the timed work, 20 runs): {total:F2} ms per step in planned kernels"));
        output.WriteLine("  operation                          calls     ms/step   share   GFLOP/s");
        foreach (var r in rows)
        {
            string family = Family(r.Operation);
            double familyMs = rows.Where(x => Family(x.Operation) == family).Sum(x => x.Milliseconds);
            string rate = flops.ByPrimitive.TryGetValue(family, out double f) && f > 0 && familyMs > 0
                ? string.Create(c, $"{f / (familyMs / 1e3) / 1e9,9:F1}{(familyMs > r.Milliseconds ? "*" : " ")}")
                : "";
            output.WriteLine(string.Create(c, $"  {r.Operation,-34} {r.Calls,5} {r.Milliseconds,11:F3} {r.Share,7:P1} {rate}"));
        }
        if (rows.Any(r => Family(r.Operation) != r.Operation))
            output.WriteLine("  * the rate of the product and its fused forms together (the FLOP count does not tell them apart; a fused pooling's own work is not counted)");
        if (steps is null) return;
        output.WriteLine(string.Create(c, $"slowest single steps (of {steps.Count}):"));
        foreach (var t in steps.OrderByDescending(t => t.MeanMilliseconds).Take(SlowestSteps))
        {
            string what = t.Description.Length > 100 ? t.Description[..100] + "…" : t.Description;
            output.WriteLine(string.Create(c, $"  #{t.Index,-4} {t.MeanMilliseconds,8:F3} ms  {t.Operation,-26} {what}"));
        }
    }
}
