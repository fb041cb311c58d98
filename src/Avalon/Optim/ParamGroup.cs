using System.Globalization;

namespace Avalon.Optim;

/// <summary>
/// A parameter group (PyTorch's <c>optimizer.param_groups[i]</c>): a list of parameters and the
/// hyperparameters that apply to them, keyed by PyTorch's names (<c>lr</c>, <c>weight_decay</c>,
/// <c>momentum</c>, <c>betas</c>, <c>eps</c>, ...).
/// </summary>
/// <remarks>
/// <para>
/// A group handed to an optimiser's constructor only needs the hyperparameters it overrides; the
/// optimiser fills in the others from its defaults:
/// <code>
/// var optimizer = new Sgd(
///     [new ParamGroup(model.Features.Parameters()),
///      new ParamGroup(model.Classifier.Parameters()) { ["lr"] = 1e-3 }],
///     lr: 1e-2, momentum: 0.9);
/// </code>
/// </para>
/// <para>
/// Values are normalised when set: numbers become <see cref="double"/>, a pair such as
/// <c>betas</c> (a <c>double[]</c> or a <c>(double, double)</c> tuple) becomes a <c>double[]</c>,
/// and <see cref="bool"/> and <see cref="string"/> values are kept. Learning-rate schedulers change
/// <see cref="LearningRate"/> (and <c>momentum</c> or <c>betas</c>) between steps.
/// </para>
/// </remarks>
public sealed class ParamGroup
{
    private readonly List<Tensor> _parameters;
    private readonly Dictionary<string, object> _options = new(StringComparer.Ordinal);

    /// <summary>A group of <paramref name="parameters"/> with no overrides.</summary>
    public ParamGroup(IEnumerable<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        _parameters = [.. parameters];
    }

    /// <summary>A group of <paramref name="parameters"/> with the hyperparameters in <paramref name="options"/>.</summary>
    public ParamGroup(IEnumerable<Tensor> parameters, IEnumerable<KeyValuePair<string, object>> options)
        : this(parameters)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var (name, value) in options) this[name] = value;
    }

    /// <summary>The parameters of the group, in order.</summary>
    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>The hyperparameters of the group by PyTorch name (read-only view).</summary>
    public IReadOnlyDictionary<string, object> Options => _options;

    /// <summary>The hyperparameter <paramref name="name"/>; setting it normalises the value (see remarks of <see cref="ParamGroup"/>).</summary>
    /// <exception cref="KeyNotFoundException">The group has no such hyperparameter.</exception>
    public object this[string name]
    {
        get => _options.TryGetValue(name, out object? value) ? value : throw MissingOption(name);
        set
        {
            ArgumentNullException.ThrowIfNull(name);
            _options[name] = Normalize(name, value);
        }
    }

    /// <summary>The learning rate (<c>lr</c>).</summary>
    public double LearningRate
    {
        get => GetDouble("lr");
        set => _options["lr"] = value;
    }

    /// <summary>True when the group has the hyperparameter <paramref name="name"/>.</summary>
    public bool Contains(string name) => _options.ContainsKey(name);

    /// <summary>Removes the hyperparameter <paramref name="name"/>; returns whether it was there.</summary>
    public bool Remove(string name) => _options.Remove(name);

    /// <summary>A number-valued hyperparameter.</summary>
    /// <exception cref="KeyNotFoundException">The group has no such hyperparameter.</exception>
    /// <exception cref="InvalidCastException">The hyperparameter is not a number.</exception>
    public double GetDouble(string name) => this[name] switch
    {
        double d => d,
        var other => throw WrongType(name, other, "a number"),
    };

    /// <summary>A boolean hyperparameter (e.g. <c>nesterov</c>, <c>amsgrad</c>).</summary>
    /// <exception cref="KeyNotFoundException">The group has no such hyperparameter.</exception>
    /// <exception cref="InvalidCastException">The hyperparameter is not a bool.</exception>
    public bool GetBool(string name) => this[name] switch
    {
        bool b => b,
        var other => throw WrongType(name, other, "a bool"),
    };

    /// <summary>A list-valued hyperparameter (e.g. <c>betas</c>); the array is the group's own, do not modify it.</summary>
    /// <exception cref="KeyNotFoundException">The group has no such hyperparameter.</exception>
    /// <exception cref="InvalidCastException">The hyperparameter is not a list of numbers.</exception>
    public double[] GetDoubles(string name) => this[name] switch
    {
        double[] a => a,
        var other => throw WrongType(name, other, "a list of numbers"),
    };

    /// <summary>Sets <paramref name="name"/> unless the group already has it (Python's <c>setdefault</c>).</summary>
    internal void SetDefault(string name, object value)
    {
        if (!_options.ContainsKey(name)) this[name] = value;
    }

    /// <summary>A copy with the same parameter list and a copy of the hyperparameters.</summary>
    internal ParamGroup Clone() => new(_parameters, _options);

    /// <inheritdoc />
    public override string ToString()
    {
        var parts = new List<string>(_options.Count + 1) { $"params: {_parameters.Count} tensors" };
        foreach (var (name, value) in _options) parts.Add($"{name}: {FormatValue(value)}");
        return "ParamGroup(" + string.Join(", ", parts) + ")";
    }

    internal static string FormatValue(object value) => value switch
    {
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        double[] a => "(" + string.Join(", ", Array.ConvertAll(a, x => x.ToString("R", CultureInfo.InvariantCulture))) + ")",
        bool b => b ? "True" : "False",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static object Normalize(string name, object value) => value switch
    {
        null => throw new ArgumentNullException(nameof(value), $"param group: hyperparameter '{name}' cannot be null."),
        double or bool or string => value,
        float or int or long or short or byte or decimal or uint or ulong => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        double[] a => a.Clone(),
        float[] a => Array.ConvertAll(a, x => (double)x),
        int[] a => Array.ConvertAll(a, x => (double)x),
        ValueTuple<double, double> t => new[] { t.Item1, t.Item2 },
        _ => throw new ArgumentException(
            $"param group: hyperparameter '{name}' has a value of type {value.GetType().Name}; " +
            "expected a number, a bool, a string or a list of numbers (double[] or a (double, double) tuple).", nameof(value)),
    };

    private KeyNotFoundException MissingOption(string name) => new(
        $"param group has no hyperparameter '{name}'; it has: {string.Join(", ", _options.Keys)}.");

    private static InvalidCastException WrongType(string name, object value, string expected) => new(
        $"param group: hyperparameter '{name}' is {FormatValue(value)} ({value.GetType().Name}), expected {expected}.");
}
