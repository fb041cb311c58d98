using Avalon.Autodiff;

namespace Avalon.Optim;

/// <summary>
/// Base class of the optimisers (PyTorch's <c>torch.optim.Optimizer</c>): parameter groups with their
/// hyperparameters, per-parameter state created on first use, <see cref="Step()"/>,
/// <see cref="ZeroGrad"/> and a state dict.
/// </summary>
/// <remarks>
/// <para>
/// A subclass passes its defaults (hyperparameters by PyTorch name) to the constructor and
/// implements <see cref="StepGroup"/>, which updates the parameters of one group in place from
/// their <see cref="Tensor.Grad"/>; parameters without a gradient are skipped. The parameter tensors
/// keep their identity: modules that hold them see the new values.
/// </para>
/// <para>
/// Usage, as in PyTorch: <c>optimizer.ZeroGrad(); loss.Backward(); optimizer.Step();</c>
/// </para>
/// </remarks>
public abstract class Optimizer
{
    private readonly List<ParamGroup> _groups = [];
    private readonly Dictionary<string, object> _defaults;
    private Dictionary<Tensor, Dictionary<string, object>> _state = new(ReferenceEqualityComparer.Instance);

    /// <summary>Creates an optimiser over one group holding <paramref name="parameters"/>.</summary>
    /// <param name="parameters">The tensors to optimise (dense, floating-point leaves).</param>
    /// <param name="defaults">Every hyperparameter of the optimiser with its value, by PyTorch name.</param>
    protected Optimizer(IEnumerable<Tensor> parameters, IReadOnlyDictionary<string, object> defaults)
        : this([new ParamGroup(parameters ?? throw new ArgumentNullException(nameof(parameters)))], defaults)
    {
    }

    /// <summary>Creates an optimiser over several parameter groups.</summary>
    /// <param name="groups">The groups; hyperparameters a group leaves out take the value in <paramref name="defaults"/>.</param>
    /// <param name="defaults">Every hyperparameter of the optimiser with its value, by PyTorch name.</param>
    protected Optimizer(IEnumerable<ParamGroup> groups, IReadOnlyDictionary<string, object> defaults)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(defaults);
        var normalized = new ParamGroup([], defaults);
        ValidateGroup(normalized);
        _defaults = new Dictionary<string, object>(normalized.Options, StringComparer.Ordinal);

        int count = 0;
        foreach (ParamGroup group in groups)
        {
            AddParamGroup(group);
            count++;
        }
        if (count == 0 || (count == 1 && _groups[0].Parameters.Count == 0))
            throw OpErrors.Argument(Name, $"optimizer got an empty parameter list.", nameof(groups));
    }

    /// <summary>The optimiser's name in messages (its type name).</summary>
    protected virtual string Name => GetType().Name;

    /// <summary>The default hyperparameters, by PyTorch name (PyTorch's <c>optimizer.defaults</c>).</summary>
    public IReadOnlyDictionary<string, object> Defaults => _defaults;

    /// <summary>The parameter groups (PyTorch's <c>optimizer.param_groups</c>); change a group's hyperparameters between steps to adjust them.</summary>
    public IReadOnlyList<ParamGroup> ParamGroups => _groups;

    /// <summary>
    /// Adds a parameter group (PyTorch's <c>add_param_group</c>). The optimiser keeps its own copy of
    /// the group's hyperparameters, filling in the defaults for those it leaves out.
    /// </summary>
    /// <exception cref="ArgumentException">A parameter is not a floating-point leaf tensor, or appears twice.</exception>
    public void AddParamGroup(ParamGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        var own = group.Clone();
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (ParamGroup existing in _groups)
            foreach (Tensor p in existing.Parameters) seen.Add(p);
        for (int i = 0; i < own.Parameters.Count; i++)
        {
            Tensor p = own.Parameters[i] ?? throw OpErrors.Argument(
                Name, $"parameter {i} of group {_groups.Count} is null.", nameof(group));
            if (!p.IsLeaf)
                throw OpErrors.Argument(
                    Name, $"can't optimize a non-leaf Tensor (parameter {i} of group {_groups.Count}, shape {p.Shape}, produced by {p.GradFn}); pass the leaf or call Detach().", nameof(group));
            if (!p.DType.IsFloatingPoint())
                throw OpErrors.Argument(
                    Name, $"can only optimize floating-point tensors, but parameter {i} of group {_groups.Count} is {p.DType.Name()} with shape {p.Shape}.", nameof(group));
            if (!seen.Add(p))
                throw OpErrors.Argument(
                    Name, $"some parameters appear more than once in the parameter groups (parameter {i} of group {_groups.Count}, shape {p.Shape}).", nameof(group));
        }
        foreach (var (name, value) in _defaults) own.SetDefault(name, value);
        ValidateGroup(own);
        _groups.Add(own);
    }

    /// <summary>Performs one optimisation step: updates every parameter that has a gradient, under <see cref="NoGrad"/>.</summary>
    public void Step()
    {
        using var noGrad = new NoGrad();
        foreach (ParamGroup group in _groups) StepGroup(group);
    }

    /// <summary>
    /// Evaluates <paramref name="closure"/> (which should zero the gradients, compute the loss and call
    /// <see cref="Tensor.Backward"/>), then performs one step; returns the loss.
    /// </summary>
    public Tensor Step(Func<Tensor> closure)
    {
        ArgumentNullException.ThrowIfNull(closure);
        Tensor loss = closure();
        Step();
        return loss;
    }

    /// <summary>
    /// Resets the gradients of all parameters (PyTorch 2's <c>zero_grad</c>, and the same default as
    /// <see cref="Nn.Module.ZeroGrad"/>): sets <see cref="Tensor.Grad"/> to null, or with
    /// <paramref name="setToNone"/> false fills existing gradients with zeros in place. Optimisers skip
    /// parameters whose gradient is null, but step those with a zero gradient (weight decay and momentum
    /// still apply).
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (ParamGroup group in _groups)
        {
            foreach (Tensor p in group.Parameters)
            {
                Tensor? grad = p.Grad;
                if (grad is null) continue;
                if (setToNone)
                {
                    p.Grad = null;
                    continue;
                }
                if (grad.GradFn is not null)
                {
                    grad = grad.Detach();
                    p.Grad = grad;
                }
                else if (grad.RequiresGrad)
                {
                    grad.RequiresGrad = false;
                }
                grad.FillNoRecord(0);
            }
        }
    }

    /// <summary>The state of <paramref name="parameter"/> (PyTorch's <c>optimizer.state[p]</c>), or null before its first step.</summary>
    public IReadOnlyDictionary<string, object>? GetState(Tensor parameter) =>
        _state.TryGetValue(parameter, out var state) ? state : null;

    /// <summary>The mutable state of <paramref name="parameter"/>, created empty on first use.</summary>
    protected Dictionary<string, object> State(Tensor parameter)
    {
        if (!_state.TryGetValue(parameter, out var state))
        {
            state = new Dictionary<string, object>(StringComparer.Ordinal);
            _state.Add(parameter, state);
        }
        return state;
    }

    /// <summary>The state of <paramref name="parameter"/> for the update algorithms shared between optimisers.</summary>
    internal Dictionary<string, object> StateFor(Tensor parameter) => State(parameter);

    /// <summary>Updates the parameters of <paramref name="group"/> from their gradients (called by <see cref="Step()"/> under <see cref="NoGrad"/>).</summary>
    protected abstract void StepGroup(ParamGroup group);

    /// <summary>
    /// Checks the hyperparameters of a group (and of the defaults) and throws an
    /// <see cref="ArgumentOutOfRangeException"/> naming the bad one. Called from the constructor: read
    /// only the group.
    /// </summary>
    protected virtual void ValidateGroup(ParamGroup group)
    {
    }

    /// <summary>
    /// A snapshot of the optimiser's state (PyTorch's <c>state_dict()</c>): state tensors are copies, so
    /// later steps do not change it.
    /// </summary>
    public OptimizerStateDict StateDict()
    {
        var groups = new List<ParamGroupState>(_groups.Count);
        var state = new Dictionary<int, Dictionary<string, object>>();
        int index = 0;
        foreach (ParamGroup group in _groups)
        {
            var indices = new int[group.Parameters.Count];
            for (int i = 0; i < indices.Length; i++, index++)
            {
                indices[i] = index;
                if (_state.TryGetValue(group.Parameters[i], out var own) && own.Count > 0)
                    state.Add(index, CopyState(own, null));
            }
            groups.Add(new ParamGroupState(indices, CopyOptions(group.Options)));
        }
        return new OptimizerStateDict(state, groups);
    }

    /// <summary>
    /// Replaces the state and the hyperparameters with those of <paramref name="stateDict"/> (PyTorch's
    /// <c>load_state_dict</c>). The groups must match this optimiser's in number and size; parameters
    /// are matched by index. State tensors are copied and converted to the parameter's dtype.
    /// </summary>
    /// <remarks>
    /// The whole state dict is checked before anything changes: the groups, every hyperparameter
    /// against the kind of its default (a number, a bool, a string, a list of the same length) and
    /// its range, and every per-parameter state entry against <see cref="StateEntries"/> (known name,
    /// kind, shape, dtype, and the entries the group's settings require). When any check fails the
    /// optimiser is left exactly as it was and the exception lists every problem.
    /// </remarks>
    /// <exception cref="ArgumentException">The groups or the state do not fit this optimiser's parameters; the message lists every problem.</exception>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        var problems = new List<string>();
        var prepared = PrepareLoad(stateDict, problems);
        if (prepared is null)
            throw new ArgumentException(
                $"{Name}.LoadStateDict: the state dict does not fit this optimizer; nothing was loaded. " +
                (problems.Count == 1 ? problems[0] : $"{problems.Count} problems:\n  " + string.Join("\n  ", problems)),
                nameof(stateDict));
        CommitLoad(prepared);
    }

    /// <summary>A loaded state, checked and converted, ready to replace the optimiser's own.</summary>
    internal sealed record PreparedState(List<ParamGroup> Groups, Dictionary<Tensor, Dictionary<string, object>> State);

    /// <summary>
    /// Checks <paramref name="stateDict"/> against this optimiser and builds the groups and state it
    /// would load, without changing anything; returns <see langword="null"/> after adding every
    /// problem to <paramref name="problems"/>.
    /// </summary>
    internal PreparedState? PrepareLoad(OptimizerStateDict stateDict, List<string> problems)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        int before = problems.Count;
        if (stateDict.State is null || stateDict.ParamGroups is null)
        {
            problems.Add($"the state dict has no {(stateDict.State is null ? "state" : "param_groups")}.");
            return null;
        }
        if (stateDict.ParamGroups.Count != _groups.Count)
        {
            problems.Add($"loaded state dict has {stateDict.ParamGroups.Count} parameter groups, this optimizer has {_groups.Count}.");
            return null;
        }

        var byIndex = new Dictionary<int, (Tensor Parameter, int Group)>();
        var newGroups = new List<ParamGroup>(_groups.Count);
        for (int g = 0; g < _groups.Count; g++)
        {
            ParamGroupState? saved = stateDict.ParamGroups[g];
            IReadOnlyList<Tensor> parameters = _groups[g].Parameters;
            if (saved?.Params is null || saved.Options is null)
            {
                problems.Add($"parameter group {g} is incomplete (no params or no hyperparameters).");
                continue;
            }
            if (saved.Params.Length != parameters.Count)
            {
                problems.Add($"loaded state dict contains a parameter group that doesn't match the size of optimizer's group: group {g} has {saved.Params.Length} parameters there, {parameters.Count} here.");
                continue;
            }
            for (int i = 0; i < parameters.Count; i++)
            {
                if (saved.Params[i] < 0)
                    problems.Add($"parameter group {g} lists the negative parameter index {saved.Params[i]}.");
                else if (!byIndex.TryAdd(saved.Params[i], (parameters[i], g)))
                    problems.Add($"parameter index {saved.Params[i]} appears more than once in the loaded parameter groups.");
            }
            ParamGroup group;
            try
            {
                group = new ParamGroup(parameters, CopyOptions(saved.Options));
            }
            catch (ArgumentException ex)
            {
                problems.Add($"parameter group {g}: {ex.Message}");
                continue;
            }
            int groupProblems = problems.Count;
            CheckHyperparameterKinds(group, g, problems);
            if (problems.Count == groupProblems)
            {
                try
                {
                    ValidateGroup(group);
                }
                catch (Exception ex) when (ex is ArgumentException or InvalidCastException or KeyNotFoundException)
                {
                    problems.Add($"parameter group {g}: {FirstLine(ex.Message)}");
                }
            }
            newGroups.Add(group);
        }
        if (problems.Count > before) return null;

        var entries = StateEntries;
        var newState = new Dictionary<Tensor, Dictionary<string, object>>(ReferenceEqualityComparer.Instance);
        foreach (var (index, saved) in stateDict.State)
        {
            if (!byIndex.TryGetValue(index, out var owner))
            {
                problems.Add($"loaded state refers to parameter index {index}, which is in no parameter group.");
                continue;
            }
            if (saved is null)
            {
                problems.Add($"the state of parameter {index} is null.");
                continue;
            }
            var state = entries is null
                ? CopyStateUnchecked(saved, owner.Parameter, index, problems)
                : CheckState(saved, owner.Parameter, newGroups[owner.Group], entries, index, problems);
            if (state is not null && state.Count > 0) newState.Add(owner.Parameter, state);
        }
        return problems.Count > before ? null : new PreparedState(newGroups, newState);
    }

    /// <summary>Replaces the groups and state with a prepared load (which cannot fail).</summary>
    internal void CommitLoad(PreparedState prepared)
    {
        _groups.Clear();
        _groups.AddRange(prepared.Groups);
        _state = prepared.State;
    }

    /// <summary>
    /// The per-parameter state entries this optimiser keeps, or <see langword="null"/> when it does
    /// not declare them (then loaded state is only checked for tensor shapes). The step creates
    /// state from this list (<see cref="InitialState"/>) and loading checks state against it.
    /// </summary>
    public virtual IReadOnlyList<OptimizerStateEntry>? StateEntries => null;

    /// <summary>
    /// The state of <paramref name="parameter"/>; on first use it is filled with every entry of
    /// <see cref="StateEntries"/> that <paramref name="group"/> requires.
    /// </summary>
    protected Dictionary<string, object> InitialState(Tensor parameter, ParamGroup group)
    {
        var state = State(parameter);
        if (state.Count == 0 && StateEntries is { } entries)
        {
            foreach (var entry in entries)
                if (entry.IsRequired(group)) state[entry.Name] = entry.Create(parameter, group);
        }
        return state;
    }

    /// <inheritdoc cref="InitialState"/>
    internal Dictionary<string, object> InitialStateFor(Tensor parameter, ParamGroup group) => InitialState(parameter, group);

    private void CheckHyperparameterKinds(ParamGroup group, int index, List<string> problems)
    {
        foreach (var (name, expected) in _defaults)
        {
            if (!group.Options.TryGetValue(name, out object? value))
            {
                problems.Add($"parameter group {index} has no hyperparameter '{name}' ({Name} needs {KindOf(expected)}).");
                continue;
            }
            bool fits = (expected, value) switch
            {
                (double, double) or (bool, bool) or (string, string) => true,
                (double[] e, double[] v) => e.Length == v.Length,
                _ => false,
            };
            if (!fits)
                problems.Add($"parameter group {index}: hyperparameter '{name}' is {ParamGroup.FormatValue(value)} ({KindOf(value)}), expected {KindOf(expected)}.");
        }
    }

    private static string KindOf(object value) => value switch
    {
        double => "a number",
        bool => "a bool",
        string => "a string",
        double[] a => $"a list of {a.Length} numbers",
        _ => value.GetType().Name,
    };

    private static string FirstLine(string message)
    {
        int end = message.IndexOf('\n');
        return end < 0 ? message : message[..end];
    }

    private Dictionary<string, object>? CheckState(Dictionary<string, object> saved, Tensor parameter, ParamGroup group,
        IReadOnlyList<OptimizerStateEntry> entries, int index, List<string> problems)
    {
        int before = problems.Count;
        var converted = new Dictionary<string, object>(saved.Count, StringComparer.Ordinal);
        foreach (var (key, value) in saved)
        {
            OptimizerStateEntry? entry = null;
            foreach (var e in entries)
                if (e.Name == key) entry = e;
            if (entry is null)
            {
                problems.Add($"state of parameter {index} has an entry '{key}' that {Name} does not keep (it keeps {string.Join(", ", entries.Select(e => e.Name))}).");
                continue;
            }
            // Converting (copying) tensors only while nothing failed keeps a bad file from costing memory.
            object? value2 = entry.Convert(value, parameter, out string? problem);
            if (problem is not null) problems.Add($"state '{key}' of parameter {index} {problem}.");
            else if (problems.Count == before) converted.Add(key, value2!);
        }
        if (saved.Count > 0)
        {
            foreach (var entry in entries)
                if (entry.IsRequired(group) && !saved.ContainsKey(entry.Name))
                    problems.Add($"state of parameter {index} (shape {parameter.Shape}) has no '{entry.Name}', which {Name} needs with these hyperparameters.");
        }
        return problems.Count > before ? null : converted;
    }

    private Dictionary<string, object>? CopyStateUnchecked(Dictionary<string, object> saved, Tensor parameter, int index, List<string> problems)
    {
        foreach (var (key, value) in saved)
        {
            if (value is Tensor t && key != "step" && t.DType.IsFloatingPoint() && t.Shape != parameter.Shape)
            {
                problems.Add($"state '{key}' of parameter {index} has shape {t.Shape} but its parameter has shape {parameter.Shape}.");
                return null;
            }
        }
        return CopyState(saved, parameter);
    }

    /// <summary>
    /// The gradient of <paramref name="parameter"/> as a dense tensor (a copy when it is strided),
    /// checked to match the parameter's shape and dtype.
    /// </summary>
    internal Tensor DenseGradient(Tensor parameter)
    {
        Tensor grad = parameter.Grad ?? throw OpErrors.State(Name, $"the parameter of shape {parameter.Shape} has no gradient.");
        if (grad.Shape != parameter.Shape)
            throw OpErrors.State(
                Name, $"the gradient of a parameter has shape {grad.Shape} but the parameter has shape {parameter.Shape}; they must match.");
        if (grad.DType != parameter.DType)
            throw OpErrors.State(
                Name, $"the gradient of a parameter of shape {parameter.Shape} is {grad.DType.Name()} but the parameter is {parameter.DType.Name()}; they must match.");
        return grad.ContiguousNoGrad();
    }

    /// <summary>Checks that <paramref name="parameter"/> can be updated in place (dense).</summary>
    internal void CheckDense(Tensor parameter)
    {
        if (!parameter.IsContiguous)
            throw OpErrors.State(
                Name, $"a parameter of shape {parameter.Shape} with strides [{string.Join(", ", parameter.Strides)}] is not contiguous; optimizers update parameters in place and need dense parameters.");
    }

    /// <summary>The step count t of an update as the 0-d float64 tensor the update primitives take.</summary>
    internal static Tensor StepValue(double step, Tensor parameter) => Tensor.Scalar(step, DType.Float64, parameter.Device);

    /// <summary>
    /// Throws PyTorch's message for a bad hyperparameter, e.g. "Adam: Invalid learning rate: -1", when
    /// <paramref name="invalid"/> is true.
    /// </summary>
    private protected void ThrowIfInvalid(bool invalid, string key, object value, string description)
    {
        if (invalid)
            throw OpErrors.OutOfRange(Name, key, value, $"Invalid {description}: {ParamGroup.FormatValue(value)}");
    }

    private static Dictionary<string, object> CopyOptions(IReadOnlyDictionary<string, object> options)
    {
        var copy = new Dictionary<string, object>(options.Count, StringComparer.Ordinal);
        foreach (var (name, value) in options) copy.Add(name, value is double[] a ? a.Clone() : value);
        return copy;
    }

    private Dictionary<string, object> CopyState(IReadOnlyDictionary<string, object> state, Tensor? parameter)
    {
        var copy = new Dictionary<string, object>(state.Count, StringComparer.Ordinal);
        foreach (var (key, value) in state)
        {
            copy.Add(key, value switch
            {
                Tensor t when parameter is null => t.ContiguousCopy(),
                Tensor t => ConvertStateTensor(key, t, parameter),
                double[] a => a.Clone(),
                double d => d,         // a box of its own: a compiled step updates the optimiser's count in place
                _ => value,
            });
        }
        return copy;
    }

    private Tensor ConvertStateTensor(string key, Tensor value, Tensor parameter)
    {
        if (key == "step" || !value.DType.IsFloatingPoint()) return value.ContiguousCopy();
        if (value.Shape != parameter.Shape)
            throw new ArgumentException(
                $"{Name}.LoadStateDict: state '{key}' has shape {value.Shape} but its parameter has shape {parameter.Shape}.", "stateDict");
        return value.DType == parameter.DType ? value.ContiguousCopy() : value.Storage.Backend.Cast(value, parameter.DType);
    }
}
