using System.Globalization;

namespace Avalon.Samples.Common;

/// <summary>
/// The samples' command line: <c>--quick</c> (a few steps on tiny data, for tests and a first look),
/// <c>--out DIR</c>, <c>--seed N</c>, <c>--threads N</c>, and the sample's own <c>--name value</c> options.
/// <c>--help</c> and unknown options raise <see cref="SampleUsageException"/>, whose message lists the known ones.
/// </summary>
public sealed class SampleArgs
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="defaultOut">The output folder when <c>--out</c> is absent (for example <c>runs/resnet18</c>).</param>
    /// <param name="valueOptions">The sample's own options that take a value (without the leading dashes).</param>
    /// <param name="flagOptions">The sample's own options without a value.</param>
    public SampleArgs(string[] args, string defaultOut, IEnumerable<string>? valueOptions = null, IEnumerable<string>? flagOptions = null)
    {
        var values = new HashSet<string>(["out", "seed", "threads", .. valueOptions ?? []], StringComparer.Ordinal);
        var flags = new HashSet<string>(["quick", .. flagOptions ?? []], StringComparer.Ordinal);
        string Known() => "options: " + string.Join(", ",
            flags.Select(o => "--" + o).Concat(values.Select(o => $"--{o} VALUE")).Order(StringComparer.Ordinal));
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] is "--help" or "-h") throw new SampleUsageException(Known(), helpRequested: true);
            string name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : "";
            if (flags.Contains(name)) _flags.Add(name);
            else if (values.Contains(name))
            {
                if (i + 1 >= args.Length) throw new SampleUsageException($"option --{name} needs a value ({Known()})");
                _values[name] = args[++i];
            }
            else throw new SampleUsageException($"unknown option '{args[i]}' ({Known()})");
        }
        Quick = _flags.Contains("quick");
        OutputDirectory = _values.GetValueOrDefault("out") ?? defaultOut;
        Seed = ParseSeed(Text("seed") ?? "1", "seed");
        if (_values.ContainsKey("threads")) Avalon.Threads.Count = Int("threads", 0, 0);
    }

    private static ulong ParseSeed(string text, string name) => ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v)
        ? v : throw new SampleUsageException($"option --{name} needs a non-negative integer, got '{text}'");

    /// <summary>Whether <c>--quick</c> was given.</summary>
    public bool Quick { get; }

    /// <summary>Where the sample writes its pictures, text and checkpoints.</summary>
    public string OutputDirectory { get; }

    /// <summary>The random seed (default 1).</summary>
    public ulong Seed { get; }

    /// <summary>Whether a flag option was given.</summary>
    public bool Flag(string name) => _flags.Contains(name);

    /// <summary>An integer option, or <paramref name="normal"/> (or <paramref name="quick"/> with <c>--quick</c>) when absent.</summary>
    public int Int(string name, int normal, int quick) =>
        !_values.TryGetValue(name, out var v) ? Quick ? quick : normal
        : int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) ? n
        : throw new SampleUsageException($"option --{name} needs an integer, got '{v}'");

    /// <summary>A real option, or <paramref name="normal"/> when absent.</summary>
    public double Double(string name, double normal) =>
        !_values.TryGetValue(name, out var v) ? normal
        : double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double x) ? x
        : throw new SampleUsageException($"option --{name} needs a number, got '{v}'");

    /// <summary>A text option, or null when absent.</summary>
    public string? Text(string name) => _values.GetValueOrDefault(name);
}
