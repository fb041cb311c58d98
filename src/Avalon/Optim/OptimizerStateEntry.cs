using System.Globalization;

namespace Avalon.Optim;

/// <summary>
/// One per-parameter state entry an optimiser keeps (for example Adam's <c>exp_avg</c>): its name, the
/// kind of value, when a parameter's state must hold it, and how it is created. An optimiser lists its
/// entries once (<see cref="Optimizer.StateEntries"/>); its step creates state from that list and
/// <see cref="Optimizer.LoadStateDict"/> checks loaded state against it, so the two cannot disagree.
/// </summary>
public sealed class OptimizerStateEntry
{
    private readonly Func<ParamGroup, bool> _requiredWhen;
    private readonly Func<Tensor, ParamGroup, object> _create;

    /// <summary>Declares an entry.</summary>
    /// <param name="name">The state key, PyTorch's name (<c>exp_avg</c>, <c>step</c>, ...).</param>
    /// <param name="kind">The kind of value.</param>
    /// <param name="create">The initial value for a parameter in a group (a new tensor or a boxed number of the kind's type).</param>
    /// <param name="requiredWhen">Whether a parameter of the group that has state must have this entry; <see langword="null"/> for always.</param>
    public OptimizerStateEntry(string name, OptimizerStateKind kind, Func<Tensor, ParamGroup, object> create, Func<ParamGroup, bool>? requiredWhen = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(create);
        Name = name;
        Kind = kind;
        _create = create;
        _requiredWhen = requiredWhen ?? (_ => true);
    }

    /// <summary>The state key.</summary>
    public string Name { get; }

    /// <summary>The kind of value.</summary>
    public OptimizerStateKind Kind { get; }

    /// <summary>Whether a parameter of <paramref name="group"/> that has any state must hold this entry.</summary>
    public bool IsRequired(ParamGroup group) => _requiredWhen(group);

    /// <summary>The initial value of this entry for <paramref name="parameter"/>.</summary>
    public object Create(Tensor parameter, ParamGroup group) => _create(parameter, group);

    /// <summary>A parameter-shaped tensor entry created as zeros.</summary>
    public static OptimizerStateEntry Zeros(string name, Func<ParamGroup, bool>? requiredWhen = null) =>
        new(name, OptimizerStateKind.ParameterShapedTensor, (p, _) => Tensor.ZerosLike(p), requiredWhen);

    /// <summary>
    /// Checks a loaded value against this entry and returns it in the form the step reads (a copy of a
    /// tensor converted to the parameter's dtype, or a <see cref="double"/> / <see cref="long"/>), or
    /// <see langword="null"/> with <paramref name="problem"/> set.
    /// </summary>
    internal object? Convert(object? value, Tensor parameter, out string? problem)
    {
        problem = null;
        switch (Kind)
        {
            case OptimizerStateKind.ParameterShapedTensor:
                if (value is not Tensor t)
                {
                    problem = $"is {Describe(value)}, expected a tensor of shape {parameter.Shape}";
                    return null;
                }
                if (!t.DType.IsFloatingPoint())
                {
                    problem = $"is a {t.DType.Name()} tensor, expected a floating-point tensor (the parameter is {parameter.DType.Name()})";
                    return null;
                }
                if (t.Shape != parameter.Shape)
                {
                    problem = $"has shape {t.Shape} but its parameter has shape {parameter.Shape}";
                    return null;
                }
                // Moved to its parameter's device (a CPU checkpoint restores an optimiser elsewhere), as PyTorch does.
                if (t.Device != parameter.Device) t = t.CopiedTo(parameter.Device);
                return t.DType == parameter.DType ? t.ContiguousCopy() : t.Storage.Backend.Cast(t, parameter.DType);
            case OptimizerStateKind.Count:
            {
                double? d = value switch
                {
                    double x => x,
                    float x => x,
                    long x => x,
                    int x => x,
                    Tensor { Numel: 1 } x => x.ToDoubleArray()[0],
                    _ => null,
                };
                if (d is not double count || !double.IsFinite(count) || count < 0)
                {
                    problem = $"is {Describe(value)}, expected a finite non-negative number";
                    return null;
                }
                return count;
            }
            default:
            {
                long? l = value switch
                {
                    long x => x,
                    int x => x,
                    double x when double.IsFinite(x) && x == Math.Floor(x) && Math.Abs(x) < 9e15 => (long)x,
                    Tensor { Numel: 1 } x when !x.DType.IsFloatingPoint() => (long)x.ToDoubleArray()[0],
                    _ => null,
                };
                if (l is not long count || count < 0)
                {
                    problem = $"is {Describe(value)}, expected a non-negative integer";
                    return null;
                }
                return count;
            }
        }
    }

    private static string Describe(object? value) => value switch
    {
        null => "null",
        Tensor t => $"a {t.DType.Name()} tensor of shape {t.Shape}",
        double[] a => $"a list of {a.Length} numbers",
        string s => $"the string \"{s}\"",
        _ => $"{System.Convert.ToString(value, CultureInfo.InvariantCulture)} ({value.GetType().Name})",
    };
}
