using System.Diagnostics;

namespace Avalon.Cli.Bench;

/// <summary>
/// benchutil.LoadSampler: over a region, wall time, the cores this process kept busy (own CPU time /
/// wall), the cores other processes used (machine busy time from /proc/stat minus own, / wall) and
/// hypervisor steal. Without /proc/stat only wall and own CPU are reported. Also the GC's share.
/// </summary>
internal sealed class LoadSampler
{
    // USER_HZ: the unit of /proc/stat, 100 on every Linux ABI .NET runs on.
    private const double ClockTicksPerSecond = 100;

    private readonly long _start = Stopwatch.GetTimestamp();
    private readonly TimeSpan _cpuStart = Process.GetCurrentProcess().TotalProcessorTime;
    private readonly (long Busy, long Steal)? _statStart = ReadProcStat();
    private readonly TimeSpan _gcPauseStart = GC.GetTotalPauseDuration();
    private readonly int _gen0Start = GC.CollectionCount(0), _gen2Start = GC.CollectionCount(2);

    /// <summary>Wall seconds since construction.</summary>
    public double ElapsedSeconds => Stopwatch.GetElapsedTime(_start).TotalSeconds;

    /// <summary>Ends the region: the JSON-ready figures (wall_s, cores_self, cores_other, cores_steal, gc_*).</summary>
    public Dictionary<string, object> Stop()
    {
        double wall = ElapsedSeconds;
        double own = (Process.GetCurrentProcess().TotalProcessorTime - _cpuStart).TotalSeconds;
        var info = new Dictionary<string, object> { ["wall_s"] = wall, ["cores_self"] = own / wall };
        if (_statStart is { } start && ReadProcStat() is { } end)
        {
            double busy = (end.Busy - start.Busy) / ClockTicksPerSecond;
            info["cores_other"] = Math.Max(0, busy - own) / wall;
            info["cores_steal"] = (end.Steal - start.Steal) / ClockTicksPerSecond / wall;
        }

        info["gc_pause_s"] = (GC.GetTotalPauseDuration() - _gcPauseStart).TotalSeconds;
        info["gc_gen0"] = GC.CollectionCount(0) - _gen0Start;
        info["gc_gen2"] = GC.CollectionCount(2) - _gen2Start;
        return info;
    }

    /// <summary>The one-minute load average, or -1 where /proc/loadavg is missing.</summary>
    public static double LoadAverage()
    {
        try
        {
            return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return -1;
        }
        catch (UnauthorizedAccessException)
        {
            return -1;
        }
    }

    private static (long Busy, long Steal)? ReadProcStat()
    {
        try
        {
            using var reader = new StreamReader("/proc/stat");
            string[] f = reader.ReadLine()!.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            long V(int i) => long.Parse(f[i], System.Globalization.CultureInfo.InvariantCulture);
            // cpu user nice system idle iowait irq softirq steal
            return (V(1) + V(2) + V(3) + V(6) + V(7), V(8));
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
