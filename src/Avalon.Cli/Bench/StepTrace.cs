using System.Globalization;
using System.Text;

namespace Avalon.Cli.Bench;

/// <summary>
/// Every timed training step's duration together with the garbage collections (per generation) and
/// the GC pause time and minor page faults that fell inside it, so a whole-epoch time above steps × median can be traced to
/// the steps that make the difference and to whether a collection ran in them.
/// </summary>
internal sealed class StepTrace
{
    private readonly List<(double Seconds, int Gen0, int Gen1, int Gen2, double PauseSeconds, long MinorFaults)> _steps;
    private int _gen0, _gen1, _gen2;
    private long _faults;
    private TimeSpan _pause;

    public StepTrace(int capacity) => _steps = new(capacity);

    /// <summary>Records the collector's counters before a step.</summary>
    public void BeginStep()
    {
        _gen0 = GC.CollectionCount(0);
        _gen1 = GC.CollectionCount(1);
        _gen2 = GC.CollectionCount(2);
        _pause = GC.GetTotalPauseDuration();
        _faults = MinorFaults();
    }

    /// <summary>Ends a step that took <paramref name="seconds"/>, with the collections since <see cref="BeginStep"/>.</summary>
    public void EndStep(double seconds) =>
        _steps.Add((seconds, GC.CollectionCount(0) - _gen0, GC.CollectionCount(1) - _gen1, GC.CollectionCount(2) - _gen2,
            (GC.GetTotalPauseDuration() - _pause).TotalSeconds, MinorFaults() - _faults));

    /// <summary>The process's minor page faults so far (field 10 of /proc/self/stat), or 0 where it cannot be read.</summary>
    private static long MinorFaults()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            // Fields after the parenthesised command name, which may itself contain spaces.
            string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(f[7], CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return 0;
        }
    }

    /// <summary>
    /// JSON-ready: how many steps saw a collection (any generation, gen 2), the pause inside steps, the
    /// time of steps with and without a collection, and the share of the steps' total above count × median
    /// that the slowest 5 % of steps account for.
    /// </summary>
    public Dictionary<string, object> GcSummary()
    {
        int withGc = 0, withGen2 = 0;
        double pause = 0, timeWithGc = 0, timeWithout = 0;
        long faults = 0;
        foreach (var step in _steps)
        {
            faults += step.MinorFaults;
            pause += step.PauseSeconds;
            if (step.Gen0 > 0)
            {
                withGc++;
                timeWithGc += step.Seconds;
            }
            else
            {
                timeWithout += step.Seconds;
            }

            if (step.Gen2 > 0) withGen2++;
        }

        var times = new List<double>(_steps.Count);
        foreach (var step in _steps) times.Add(step.Seconds);
        double median = times.Count > 0 ? TimedLoop.Median(times) : 0, total = times.Sum();
        var sorted = times.Order().ToArray();
        int slowCount = Math.Max(1, sorted.Length / 20);
        double slowExcess = 0;
        for (int i = sorted.Length - slowCount; i < sorted.Length; i++) slowExcess += sorted[i] - median;
        return new Dictionary<string, object>
        {
            ["steps_with_gc"] = withGc,
            ["steps_with_gen2"] = withGen2,
            ["pause_in_steps_s"] = pause,
            ["minor_faults_in_steps"] = faults,
            ["mean_ms_with_gc"] = withGc > 0 ? timeWithGc / withGc * 1e3 : 0.0,
            ["mean_ms_without_gc"] = _steps.Count > withGc ? timeWithout / (_steps.Count - withGc) * 1e3 : 0.0,
            ["excess_over_median_s"] = total - median * times.Count,
            ["slowest_5pct_excess_s"] = slowExcess,
        };
    }

    /// <summary>Writes one CSV line per step: index, seconds, collections per generation, pause, phase times.</summary>
    public void WriteCsv(string path, PhaseTimer phases)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder("step,seconds,gen0,gen1,gen2,gc_pause_s,minor_faults");
        foreach (string name in phases.Names) text.Append(',').Append(name);
        text.AppendLine();
        for (int i = 0; i < _steps.Count; i++)
        {
            var step = _steps[i];
            text.Append(c, $"{i},{step.Seconds:R},{step.Gen0},{step.Gen1},{step.Gen2},{step.PauseSeconds:R},{step.MinorFaults}");
            for (int p = 0; p < phases.Names.Count; p++) text.Append(c, $",{phases.Time(p, i):R}");
            text.AppendLine();
        }

        File.WriteAllText(path, text.ToString());
    }
}
