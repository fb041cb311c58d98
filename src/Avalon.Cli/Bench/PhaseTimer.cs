using System.Diagnostics;

namespace Avalon.Cli.Bench;

/// <summary>
/// Splits each training step into named phases (batch, zero_grad, forward, loss, backward, step) and
/// keeps every phase's time per step, so the report can say where a step's time goes. Two timestamps
/// per phase cost well under a microsecond against steps of milliseconds.
/// </summary>
internal sealed class PhaseTimer
{
    private readonly string[] _names;
    private readonly List<double>[] _times;
    private long _last;

    public PhaseTimer(params string[] names)
    {
        _names = names;
        _times = new List<double>[names.Length];
        for (int i = 0; i < names.Length; i++) _times[i] = new List<double>();
    }

    /// <summary>Starts a step.</summary>
    public void Start() => _last = Stopwatch.GetTimestamp();

    /// <summary>Ends phase <paramref name="phase"/> (an index into the names) and starts the next.</summary>
    public void Lap(int phase)
    {
        long now = Stopwatch.GetTimestamp();
        _times[phase].Add(Stopwatch.GetElapsedTime(_last, now).TotalSeconds);
        _last = now;
    }

    /// <summary>The phase names, in order.</summary>
    public IReadOnlyList<string> Names => _names;

    /// <summary>Seconds of phase <paramref name="phase"/> in step <paramref name="step"/> (NaN where not recorded).</summary>
    public double Time(int phase, int step) => step < _times[phase].Count ? _times[phase][step] : double.NaN;

    /// <summary>Per phase: median and mean in ms over the steps timed.</summary>
    public Dictionary<string, object> Summary()
    {
        var result = new Dictionary<string, object>();
        for (int i = 0; i < _names.Length; i++)
            if (_times[i].Count > 0)
                result[_names[i]] = new Dictionary<string, object>
                {
                    ["median_ms"] = TimedLoop.Median(_times[i]) * 1e3,
                    ["mean_ms"] = _times[i].Average() * 1e3,
                };
        return result;
    }
}
