namespace Avalon.Training.Progress;

/// <summary>Progress as plain lines: one each time the epoch passes another 10 %, and one at its end.</summary>
internal sealed class PlainTrainingProgress(int epochs, string? metricName, TimeProvider time, TextWriter output)
    : TrainingProgress(epochs, metricName, time)
{
    private const int Intervals = 10;

    public override void WriteLine(string message) => output.WriteLine(message);

    private protected override void OnBeginEpoch() { }

    private protected override void OnUpdate(int previousStep)
    {
        if (Steps <= 0) return;
        // Print when the step crosses a tenth of the epoch; several tenths at once print one line.
        if (Tenth(Step) > Tenth(previousStep)) output.WriteLine(StatusLine());
    }

    private long Tenth(int step) => (long)step * Intervals / Steps;

    private protected override void OnEndEpoch(string? summary)
    {
        var (required, throughput, shortThroughput) = EpochEndParts();
        string[][] variants = string.IsNullOrEmpty(summary)
            ? [[throughput], [shortThroughput]]
            : [[throughput, summary], [shortThroughput, summary]];
        var line = FitLine(required, variants, LineWidth);
        if (string.IsNullOrEmpty(summary) || line.EndsWith(summary, StringComparison.Ordinal))
        {
            output.WriteLine(line);
        }
        else
        {
            // Too wide for one line: the epoch's own figures, then the summary indented on lines of its own.
            output.WriteLine(FitLine(required, [[throughput], [shortThroughput]], LineWidth));
            foreach (var part in WrapSummary(summary, LineWidth - 2)) output.WriteLine("  " + part);
        }
        output.Flush();
    }

    /// <summary>The summary cut at its double-space separators into lines of at most <paramref name="width"/> characters.</summary>
    internal static IEnumerable<string> WrapSummary(string summary, int width)
    {
        var line = "";
        foreach (var part in summary.Split("  ", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var candidate = line.Length == 0 ? part : line + "  " + part;
            if (candidate.Length <= width || line.Length == 0)
            {
                line = candidate.Length <= width ? candidate : candidate[..(width - 1)] + "…";
                continue;
            }
            yield return line;
            line = part.Length <= width ? part : part[..(width - 1)] + "…";
        }
        if (line.Length > 0) yield return line;
    }
}
