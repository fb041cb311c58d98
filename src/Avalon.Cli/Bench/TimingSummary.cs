namespace Avalon.Cli.Bench;

/// <summary>
/// The statistics benchutil.summarize prints for a list of times: median, min, p90, max (ms) and count;
/// plus the mean and p95, which show how far a tail of slow repetitions lifts a total above count × median.
/// </summary>
internal static class TimingSummary
{
    /// <summary>Seconds in, a JSON-ready dictionary out (median_ms, mean_ms, min_ms, p90_ms, p95_ms, max_ms, n).</summary>
    public static Dictionary<string, object> Of(List<double> seconds)
    {
        if (seconds.Count == 0) return new Dictionary<string, object> { ["n"] = 0 };
        var s = seconds.Order().ToArray();
        // Python's round() rounds half to even, as Math.Round does by default.
        int p90 = Math.Min(s.Length - 1, (int)Math.Round(0.9 * (s.Length - 1)));
        int p95 = Math.Min(s.Length - 1, (int)Math.Round(0.95 * (s.Length - 1)));
        return new Dictionary<string, object>
        {
            ["median_ms"] = TimedLoop.Median(seconds) * 1e3,
            ["mean_ms"] = s.Average() * 1e3,
            ["min_ms"] = s[0] * 1e3,
            ["p90_ms"] = s[p90] * 1e3,
            ["p95_ms"] = s[p95] * 1e3,
            ["max_ms"] = s[^1] * 1e3,
            ["n"] = s.Length,
        };
    }
}
