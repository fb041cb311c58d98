using System.Globalization;

namespace Avalon.Optim.Schedulers;

/// <summary>
/// Typed reads from a scheduler state dict that collect every problem (a missing key, a value of
/// the wrong type or out of range) instead of stopping at the first, so a scheduler can check a
/// whole state before it changes anything. A read that fails returns a placeholder value.
/// </summary>
internal sealed class SchedulerStateReader(IReadOnlyDictionary<string, object> state, string owner)
{
    private readonly List<string> _problems = [];

    /// <summary>Every problem found so far.</summary>
    public IReadOnlyList<string> Problems => _problems;

    public int Int(string key) => Read(key) switch
    {
        null => 0,
        int i => i,
        long l when l is >= int.MinValue and <= int.MaxValue => (int)l,
        double d when d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue => (int)d,
        var other => Wrong(key, other, "an integer", 0),
    };

    public double Double(string key) => Read(key) switch
    {
        null => 0,
        double d => d,
        int i => i,
        long l => l,
        float f => f,
        var other => Wrong(key, other, "a number", 0.0),
    };

    public double[] Doubles(string key) => Read(key) switch
    {
        null => [],
        double[] a => (double[])a.Clone(),
        int[] a => Array.ConvertAll(a, x => (double)x),
        long[] a => Array.ConvertAll(a, x => (double)x),
        var other => Wrong(key, other, "a list of numbers", Array.Empty<double>()),
    };

    public int[] Ints(string key) => Read(key) switch
    {
        null => [],
        int[] a => (int[])a.Clone(),
        long[] a when a.All(x => x is >= int.MinValue and <= int.MaxValue) => Array.ConvertAll(a, x => (int)x),
        double[] a when a.All(x => x == Math.Floor(x) && x is >= int.MinValue and <= int.MaxValue) => Array.ConvertAll(a, x => (int)x),
        var other => Wrong(key, other, "a list of integers", Array.Empty<int>()),
    };

    public bool Bool(string key) => Read(key) switch
    {
        null => false,
        bool b => b,
        var other => Wrong(key, other, "a bool", false),
    };

    public string String(string key) => Read(key) switch
    {
        null => "",
        string s => s,
        var other => Wrong(key, other, "a string", ""),
    };

    /// <summary>Records <paramref name="problem"/> unless <paramref name="ok"/>.</summary>
    public void Require(bool ok, string problem)
    {
        if (!ok) _problems.Add(problem);
    }

    /// <summary>Throws one <see cref="ArgumentException"/> listing every problem, if there is any.</summary>
    public void ThrowIfProblems()
    {
        if (_problems.Count == 0) return;
        throw new ArgumentException(
            $"{owner}.LoadStateDict: the state does not fit; nothing was loaded. " +
            (_problems.Count == 1 ? _problems[0] : $"{_problems.Count} problems:\n  " + string.Join("\n  ", _problems)),
            "state");
    }

    private object? Read(string key)
    {
        if (state.TryGetValue(key, out object? value) && value is not null) return value;
        _problems.Add($"the state has no '{key}'.");
        return null;
    }

    private T Wrong<T>(string key, object value, string expected, T placeholder)
    {
        string shown = value switch
        {
            double[] a => "[" + string.Join(", ", a.Select(x => x.ToString("R", CultureInfo.InvariantCulture))) + "]",
            _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
        };
        _problems.Add($"'{key}' is {shown} ({value.GetType().Name}), expected {expected}.");
        return placeholder;
    }
}
