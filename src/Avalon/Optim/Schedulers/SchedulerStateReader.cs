using System.Globalization;

namespace Avalon.Optim.Schedulers;

/// <summary>Typed reads from a scheduler state dict, with messages that name the scheduler and the key.</summary>
internal readonly struct SchedulerStateReader(IReadOnlyDictionary<string, object> state, string owner)
{
    public int Int(string key) => Read(key) switch
    {
        int i => i,
        long l => checked((int)l),
        double d when d == Math.Floor(d) => checked((int)d),
        var other => throw WrongType(key, other, "an integer"),
    };

    public double Double(string key) => Read(key) switch
    {
        double d => d,
        int i => i,
        long l => l,
        float f => f,
        var other => throw WrongType(key, other, "a number"),
    };

    public double[] Doubles(string key) => Read(key) switch
    {
        double[] a => (double[])a.Clone(),
        var other => throw WrongType(key, other, "a double[]"),
    };

    public int[] Ints(string key) => Read(key) switch
    {
        int[] a => (int[])a.Clone(),
        var other => throw WrongType(key, other, "an int[]"),
    };

    public bool Bool(string key) => Read(key) is bool b ? b : throw WrongType(key, Read(key), "a bool");

    public string String(string key) => Read(key) is string s ? s : throw WrongType(key, Read(key), "a string");

    private object Read(string key) =>
        state.TryGetValue(key, out object? value)
            ? value
            : throw new ArgumentException($"{owner}.LoadStateDict: the state has no '{key}'.", nameof(state));

    private ArgumentException WrongType(string key, object value, string expected) => new(
        $"{owner}.LoadStateDict: '{key}' is {Convert.ToString(value, CultureInfo.InvariantCulture)} ({value.GetType().Name}), expected {expected}.",
        nameof(state));
}
