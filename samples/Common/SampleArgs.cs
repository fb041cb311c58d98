using System.Globalization;

namespace Avalon.Samples.Common;

/// <summary>
/// The samples' command line: <c>--quick</c> (a few steps on tiny data, for tests and a first look),
/// <c>--out DIR</c>, <c>--seed N</c>, <c>--threads N</c>, and the sample's own <c>--name value</c> options.
/// Unknown options are errors that list the known ones.
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
        for (int i = 0; i < args.Length; i++)
        {
            string name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : "";
            if (flags.Contains(name)) _flags.Add(name);
            else if (values.Contains(name))
            {
                if (i + 1 >= args.Length) throw new ArgumentException($"option --{name} needs a value");
                _values[name] = args[++i];
            }
            else
            {
                var known = string.Join(", ", flags.Concat(values).Order(StringComparer.Ordinal).Select(o => "--" + o));
                throw new ArgumentException($"unknown option '{args[i]}' (known: {known})");
            }
        }
        Quick = _flags.Contains("quick");
        OutputDirectory = _values.GetValueOrDefault("out") ?? defaultOut;
        Seed = ulong.Parse(_values.GetValueOrDefault("seed") ?? "1", CultureInfo.InvariantCulture);
        if (_values.TryGetValue("threads", out var threads)) Avalon.Threads.Count = int.Parse(threads, CultureInfo.InvariantCulture);
    }

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
        _values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : Quick ? quick : normal;

    /// <summary>A real option, or <paramref name="normal"/> when absent.</summary>
    public double Double(string name, double normal) =>
        _values.TryGetValue(name, out var v) ? double.Parse(v, CultureInfo.InvariantCulture) : normal;

    /// <summary>A text option, or null when absent.</summary>
    public string? Text(string name) => _values.GetValueOrDefault(name);
}
