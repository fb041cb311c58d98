using System.Diagnostics;

namespace Avalon.Cli.Bench;

/// <summary>
/// The timing rule of the PyTorch scripts: one warm-up call, then repetitions until both a minimum
/// count and a minimum total time are reached (capped), each timed alone.
/// </summary>
internal static class TimedLoop
{
    /// <summary>Per-repetition times in seconds.</summary>
    public static List<double> Run(Action body, double minTime, int minReps, int maxReps)
    {
        body();
        var times = new List<double>();
        double total = 0;
        while ((times.Count < minReps || total < minTime) && times.Count < maxReps)
        {
            long t0 = Stopwatch.GetTimestamp();
            body();
            double dt = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            times.Add(dt);
            total += dt;
        }

        return times;
    }

    /// <summary>Median (mean of the middle two for an even count).</summary>
    public static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        int mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
