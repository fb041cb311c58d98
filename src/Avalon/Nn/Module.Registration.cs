namespace Avalon.Nn;

public abstract partial class Module
{
    // Parameters registered by name (PyTorch's register_parameter), for modules whose set of parameters
    // depends on constructor arguments, such as RNN's weight_ih_l0 ... weight_hh_l1_reverse. Module's own
    // fields are not members (discovery stops at Module), so this dictionary is never a parameter itself.
    private OrderedDictionary<string, Tensor?>? _registeredParameters;

    /// <summary>
    /// Adds a parameter under <paramref name="name"/>, which becomes its key in <see cref="StateDict"/>,
    /// <see cref="NamedParameters"/> and the other views exactly like a <see cref="Tensor"/> field would
    /// (PyTorch's <c>register_parameter</c>). Registered parameters follow the field members, in
    /// registration order; registering a name again replaces its tensor and keeps its place; a null
    /// tensor holds the slot but is skipped, like a null field.
    /// </summary>
    /// <remarks>Use it when the number or names of the parameters depend on constructor arguments; for a
    /// fixed set, declare <see cref="Tensor"/> properties instead. Read them back with
    /// <see cref="RegisteredParameter"/>, not a cached reference: <c>To(DType)</c>, <see cref="SetState"/> and
    /// <see cref="FunctionalCall{T}"/> replace the tensor.</remarks>
    /// <exception cref="ArgumentException">The name is empty, contains '.', or is the key of a field member.</exception>
    protected void RegisterParameter(string name, Tensor? parameter)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0 || name.Contains('.'))
            throw new ArgumentException($"{GetType().Name}.RegisterParameter: a parameter name must be non-empty and contain no '.', got '{name}'.", nameof(name));
        foreach (var member in ModuleMember.For(GetType()))
            if (member.Name == name || (member.IsCollection && name.StartsWith(member.Name + ".", StringComparison.Ordinal)))
                throw new ArgumentException($"{GetType().Name}.RegisterParameter: attribute '{name}' already exists as a member of the module.", nameof(name));
        (_registeredParameters ??= new OrderedDictionary<string, Tensor?>())[name] = parameter;
    }

    /// <summary>The parameter registered as <paramref name="name"/> by <see cref="RegisterParameter"/>, or null when it holds null.</summary>
    /// <exception cref="ArgumentException">No parameter is registered under that name.</exception>
    protected Tensor? RegisteredParameter(string name)
    {
        if (_registeredParameters is null || !_registeredParameters.TryGetValue(name, out var t))
            throw new ArgumentException($"{GetType().Name}: no parameter is registered as '{name}'.", nameof(name));
        return t;
    }

    /// <summary>
    /// The parameter at the dotted path <paramref name="target"/> (e.g. <c>encoder.weight_ih_l0</c>), as
    /// <see cref="NamedParameters"/> lists it (PyTorch's <c>get_parameter</c>).
    /// </summary>
    /// <exception cref="ArgumentException">No parameter has that path.</exception>
    public Tensor GetParameter(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        foreach (var (path, p) in NamedParameters())
            if (path == target) return p;
        throw OpErrors.Argument(
            "GetParameter", $"{GetType().Name} has no parameter '{target}'. Known parameters: {string.Join(", ", NamedParameters().Select(p => p.Key))}.", nameof(target));
    }

    /// <summary>The registered parameters as entries (after the field members in <see cref="LocalEntries"/>).</summary>
    private void CollectRegistered(List<ModuleEntry> into)
    {
        if (_registeredParameters is null) return;
        foreach (var (name, t) in _registeredParameters)
            if (t is not null) into.Add(new ModuleEntry(name, ModuleMemberKind.Parameter, true, t, null, this, -1));
    }

    /// <summary>How many parameter slots are registered (null ones included), in registration order.</summary>
    internal int RegisteredParameterCount => _registeredParameters?.Count ?? 0;

    /// <summary>The tensor of registered slot <paramref name="index"/> (null when the slot holds none).</summary>
    internal Tensor? RegisteredParameterAt(int index) => _registeredParameters!.GetAt(index).Value;

    /// <summary>Whether <paramref name="name"/> is a registered slot (so an entry of that name can be replaced).</summary>
    internal bool IsRegistered(string name) => _registeredParameters?.ContainsKey(name) == true;

    /// <summary>Replaces the registered parameter <paramref name="name"/> (used by To, FunctionalCall, SetState).</summary>
    internal void ReplaceRegistered(string name, Tensor? value) => _registeredParameters![name] = value;
}
