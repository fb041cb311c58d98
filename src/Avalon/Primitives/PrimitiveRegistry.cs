using System.Reflection;

namespace Avalon.Primitives;

/// <summary>
/// Every primitive by name: the built-in ones and those a user registers. Tests enumerate it to check
/// that every differentiable primitive has a verified derivative rule.
/// </summary>
public static class PrimitiveRegistry
{
    private static readonly Dictionary<string, Primitive> s_byName = new();
    private static readonly object s_lock = new();
    private static bool s_builtinsLoaded;

    internal static void Add(Primitive primitive, bool replace)
    {
        lock (s_lock)
        {
            if (!replace && s_byName.TryGetValue(primitive.Name, out var existing))
                throw new InvalidOperationException(
                    $"A primitive named '{primitive.Name}' is already registered ({existing.GetType().Name}). Choose another name, or pass replace: true to replace it.");
            s_byName[primitive.Name] = primitive;
        }
    }

    /// <summary>All registered primitives, built-ins included, ordered by name.</summary>
    public static IReadOnlyList<Primitive> All
    {
        get
        {
            EnsureBuiltins();
            lock (s_lock) return s_byName.Values.OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>The primitive named <paramref name="name"/>.</summary>
    public static Primitive Get(string name)
    {
        EnsureBuiltins();
        lock (s_lock)
            return s_byName.TryGetValue(name, out var p) ? p
                : throw new KeyNotFoundException($"No primitive named '{name}' is registered.");
    }

    /// <summary>
    /// Registers a user primitive from delegates: a shape/dtype rule, a CPU kernel and an optional
    /// derivative rule (written with tensor operations). Returns the primitive; call it with
    /// <see cref="Primitive.Invoke"/>.
    /// </summary>
    /// <param name="name">The primitive's name; registering a name twice is an error unless <paramref name="replace"/> is set.</param>
    /// <param name="specRule">The shape/dtype rule.</param>
    /// <param name="cpuKernel">The CPU kernel, writing into its given output.</param>
    /// <param name="backward">The derivative rule, or null for none (then differentiating it is an error naming it).</param>
    /// <param name="replace">Replace a primitive already registered under <paramref name="name"/>.</param>
    public static Primitive Register(string name, Func<TensorSpec[], Attributes, TensorSpec> specRule, Kernel cpuKernel,
        Func<GradContext, Tensor?[]>? backward = null, bool replace = false)
    {
        var p = new DelegatePrimitive(name, specRule, backward, replace);
        p.RegisterKernel(DeviceType.Cpu, cpuKernel);
        return p;
    }

    // Built-in primitives are singletons held in static fields of classes in Avalon.Primitives; touching
    // each such class once makes them register.
    private static void EnsureBuiltins()
    {
        if (s_builtinsLoaded) return;
        s_builtinsLoaded = true;
        foreach (var type in typeof(Primitive).Assembly.GetTypes())
        {
            if (type.GetCustomAttribute<PrimitiveSetAttribute>() is null) continue;
            System.Runtime.CompilerServices.RuntimeHelpers.RunClassConstructor(type.TypeHandle);
        }
    }

    private sealed class DelegatePrimitive(string name, Func<TensorSpec[], Attributes, TensorSpec> specRule,
        Func<GradContext, Tensor?[]>? backward, bool replace) : Primitive(name, replace)
    {
        public override bool IsUserDefined => true;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes) => specRule(inputs, attributes);

        public override Tensor?[] Backward(GradContext context) =>
            backward is null ? throw new MissingDerivativeRuleException(this) : backward(context);
    }
}

/// <summary>Marks a static class whose static fields hold built-in primitives, so the registry can load them all.</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class PrimitiveSetAttribute : Attribute;
