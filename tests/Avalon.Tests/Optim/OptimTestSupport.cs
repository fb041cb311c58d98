using System.Reflection;
using System.Text.Json;
using Avalon.Optim;
using Avalon.Optim.Schedulers;
using Avalon.Tests.Reference;

namespace Avalon.Tests.Optim;

/// <summary>
/// Builds optimisers and schedulers from a reference case's PyTorch kwargs by matching them to the C#
/// constructor's parameters (snake_case to camelCase, ignoring case and underscores). Arguments the
/// case leaves out take the C# default, so the defaults are checked against PyTorch's too. An
/// argument with no matching C# parameter fails the test.
/// </summary>
internal static class OptimTestSupport
{
    private static readonly Dictionary<string, Type> s_types = new()
    {
        ["SGD"] = typeof(Sgd),
        ["Adam"] = typeof(Adam),
        ["AdamW"] = typeof(AdamW),
        ["RMSprop"] = typeof(RmsProp),
        ["Adagrad"] = typeof(Adagrad),
        ["StepLR"] = typeof(StepLR),
        ["MultiStepLR"] = typeof(MultiStepLR),
        ["ExponentialLR"] = typeof(ExponentialLR),
        ["CosineAnnealingLR"] = typeof(CosineAnnealingLR),
        ["OneCycleLR"] = typeof(OneCycleLR),
        ["ReduceLROnPlateau"] = typeof(ReduceLROnPlateau),
    };

    public static readonly string[] OptimizerKinds = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"];

    /// <summary>The optimiser of case <paramref name="c"/> over <paramref name="parameters"/>, grouped as the case says.</summary>
    public static Optimizer CreateOptimizer(ReferenceCase c, IReadOnlyList<Tensor> parameters)
    {
        var groups = new List<ParamGroup>();
        foreach (JsonElement g in c.Json.GetProperty("param_groups").EnumerateArray())
        {
            var tensors = new List<Tensor>();
            foreach (JsonElement i in g.GetProperty("params").EnumerateArray()) tensors.Add(parameters[i.GetInt32()]);
            var group = new ParamGroup(tensors);
            foreach (JsonProperty p in g.EnumerateObject())
                if (p.Name != "params") group[p.Name] = GroupValue(p.Value);
            groups.Add(group);
        }
        return CreateOptimizer(c.Kind, c.Args, groups);
    }

    /// <summary>An optimiser of <paramref name="kind"/> (PyTorch's class name) with PyTorch kwargs.</summary>
    public static Optimizer CreateOptimizer(string kind, JsonElement args, IReadOnlyList<ParamGroup> groups) =>
        (Optimizer)Construct(kind, typeof(IEnumerable<ParamGroup>), groups, args);

    /// <summary>A scheduler of <paramref name="kind"/> (PyTorch's class name) with PyTorch kwargs.</summary>
    public static object CreateScheduler(string kind, JsonElement args, Optimizer optimizer) =>
        Construct(kind, typeof(Optimizer), optimizer, args);

    /// <summary>A float32 leaf tensor holding a reference tensor's values.</summary>
    public static Tensor ToTensor(ReferenceTensor t, DType dtype = DType.Float32)
    {
        Tensor result = dtype == DType.Float64
            ? Tensor.From(t.Data, t.Shape.Length == 0 ? [1] : t.Shape)
            : Tensor.From(t.ToFloatArray(), t.Shape.Length == 0 ? [1] : t.Shape);
        return t.Shape.Length == 0 ? result.Reshape() : result;
    }

    /// <summary>Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise.</summary>
    public static void AssertClose(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double rtol, double atol, string context)
    {
        Assert.True(expected.Count == actual.Count, $"{context}: {actual.Count} values, expected {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
        {
            double diff = Math.Abs(actual[i] - expected[i]);
            Assert.True(diff <= atol + rtol * Math.Abs(expected[i]),
                $"{context}: element {i} is {actual[i]:R}, expected {expected[i]:R} (difference {diff:E3})");
        }
    }

    /// <summary>Asserts a tensor matches a reference tensor in shape and values.</summary>
    public static void AssertClose(ReferenceTensor expected, Tensor actual, double rtol, double atol, string context)
    {
        Assert.True(expected.Shape.AsSpan().SequenceEqual(actual.Shape.AsSpan()),
            $"{context}: shape {actual.Shape}, expected [{string.Join(", ", expected.Shape)}]");
        AssertClose(expected.Data, actual.ToDoubleArray(), rtol, atol, context);
    }

    private static object GroupValue(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.True or JsonValueKind.False => v.GetBoolean(),
        JsonValueKind.Array => v.EnumerateArray().Select(e => e.GetDouble()).ToArray(),
        _ => throw new InvalidDataException($"unexpected param group value {v}"),
    };

    private static object Construct(string kind, Type firstParameterType, object first, JsonElement args)
    {
        Type type = s_types.TryGetValue(kind, out Type? t) ? t : throw new InvalidDataException($"no C# type for {kind}");
        ConstructorInfo ctor = type.GetConstructors().Single(c => c.GetParameters()[0].ParameterType == firstParameterType);
        ParameterInfo[] parameters = ctor.GetParameters();
        var values = new object?[parameters.Length];
        values[0] = first;
        for (int i = 1; i < parameters.Length; i++) values[i] = Type.Missing;

        if (args.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty arg in args.EnumerateObject())
            {
                string key = Canonical(arg.Name);
                int index = Array.FindIndex(parameters, p => Canonical(p.Name!) == key);
                Assert.True(index > 0, $"{type.Name} has no constructor parameter for PyTorch's '{arg.Name}'");
                values[index] = Convert(arg.Value, parameters[index].ParameterType);
            }
        }
        try
        {
            return ctor.Invoke(BindingFlags.OptionalParamBinding, null, values, null);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }

    private static string Canonical(string name) => name.Replace("_", "").ToLowerInvariant();

    private static object? Convert(JsonElement v, Type type)
    {
        if (v.ValueKind == JsonValueKind.Null) return null;
        Type target = Nullable.GetUnderlyingType(type) ?? type;
        if (target == typeof(double)) return v.GetDouble();
        if (target == typeof(int)) return v.GetInt32();
        if (target == typeof(bool)) return v.GetBoolean();
        if (target.IsEnum) return Enum.Parse(target, v.GetString()!, ignoreCase: true);
        if (target == typeof(IEnumerable<int>)) return v.EnumerateArray().Select(e => e.GetInt32()).ToArray();
        if (target == typeof(ValueTuple<double, double>))
        {
            double[] pair = v.EnumerateArray().Select(e => e.GetDouble()).ToArray();
            return (pair[0], pair[1]);
        }
        throw new InvalidDataException($"cannot convert {v} to {type}");
    }
}
