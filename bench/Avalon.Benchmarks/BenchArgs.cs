using System.Globalization;

namespace Avalon.Benchmarks;

/// <summary>
/// Minimal "--name value [value ...]" and "--flag" parser in the style of Python's argparse, so the
/// options read the same as the PyTorch scripts'. Unknown options are an error.
/// </summary>
internal sealed class BenchArgs
{
    private readonly Dictionary<string, List<string>> _options = new();
    private readonly HashSet<string> _used = new();

    public BenchArgs(string[] args)
    {
        List<string>? current = null;
        foreach (string arg in args)
        {
            if (arg.StartsWith("--", StringComparison.Ordinal))
                _options[arg[2..]] = current = new List<string>();
            else if (current is null)
                throw new ArgumentException($"unexpected argument '{arg}' (options start with --)");
            else
                current.Add(arg);
        }
    }

    /// <summary>Whether --name was given.</summary>
    public bool Flag(string name) => Take(name) is not null;

    /// <summary>The integers after --name, or the defaults.</summary>
    public int[] Ints(string name, params int[] defaults) =>
        Take(name) is { Count: > 0 } values ? values.Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray() : defaults;

    /// <summary>The number after --name, or the default.</summary>
    public double Double(string name, double fallback) =>
        Take(name) is [var value] ? double.Parse(value, CultureInfo.InvariantCulture) : fallback;

    /// <summary>The word after --name, or the default.</summary>
    public string String(string name, string fallback) => Take(name) is [var value] ? value : fallback;

    /// <summary>Throws if an option was given that no one asked for (a typo would otherwise be ignored).</summary>
    public void EnsureAllUsed()
    {
        foreach (string name in _options.Keys)
            if (!_used.Contains(name))
                throw new ArgumentException($"unknown option --{name}");
    }

    private List<string>? Take(string name)
    {
        _used.Add(name);
        return _options.GetValueOrDefault(name);
    }
}
