using Avalon.Autodiff;

namespace Avalon.Nn;

/// <summary>
/// The base class of every layer and model (PyTorch's <c>torch.nn.Module</c>). A module's parameters,
/// buffers and submodules are its fields and auto-properties, found by reflection: no registration calls.
/// </summary>
/// <remarks>
/// <para>Discovery looks at instance fields and auto-properties, public or not, base class first and in
/// declaration order. A member of type <see cref="Tensor"/> is a parameter, or a buffer when marked
/// <see cref="BufferAttribute"/>; a member of a <see cref="Module"/> type is a child; arrays and lists of
/// tensors or modules hold several, named <c>name.0</c>, <c>name.1</c>, .... Null members are skipped
/// (for example <c>Bias</c> of a layer built with <c>bias: false</c>). A module whose parameters depend on
/// its arguments (RNN's <c>weight_ih_l0</c>, ...) adds them by name with <see cref="RegisterParameter"/>. Keys are the member names
/// snake-cased (<c>Conv1</c> → <c>conv1</c>, <c>RunningMean</c> → <c>running_mean</c>) unless
/// <see cref="StateNameAttribute"/> says otherwise; <see cref="IgnoreAttribute"/> hides a member.
/// Computed properties (with a body) are not members.</para>
/// <para>Paths and the state dict follow PyTorch's order: a module's own parameters, then its own
/// buffers, then each child's in turn, so a PyTorch <c>state_dict</c> loads without renaming.</para>
/// </remarks>
public abstract partial class Module : IParameterSource
{
    /// <summary>Whether the module is in training mode (the default) rather than evaluation mode.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>
    /// Computes the module's output. Modules with another signature (several inputs, a target) add
    /// their own <c>Forward</c> overloads instead.
    /// </summary>
    /// <exception cref="NotSupportedException">The module does not take a single tensor.</exception>
    public virtual Tensor Forward(Tensor input) =>
        throw new NotSupportedException(
            $"{GetType().Name}.Forward(Tensor) is not implemented: this module takes other inputs. Call one of its own Forward overloads, or override Forward(Tensor).");

    /// <summary>
    /// Children that are not held in fields, in order, with their local names (containers such as
    /// <see cref="Sequential"/> name theirs <c>0</c>, <c>1</c>, ...). They come after the field members.
    /// </summary>
    protected virtual IEnumerable<KeyValuePair<string, Module>> AdditionalChildren() => [];

    /// <summary>
    /// Parameters and buffers that are not held in fields, in order, each with a way to replace it. They
    /// come after the field members of their kind.
    /// </summary>
    protected virtual IEnumerable<ModuleTensorSlot> AdditionalTensors() => [];

    /// <summary>
    /// The children of <see cref="AdditionalChildren"/> by index, for a type that can give them without
    /// allocating (the built-in containers); null otherwise. Used by the compiled signature's check
    /// (<see cref="ModuleIdentity"/>), only where the same type defines both.
    /// </summary>
    internal virtual IReadOnlyList<Module>? AdditionalChildList => null;

    /// <summary><see cref="AdditionalTensors"/>, for <see cref="ModuleIdentity"/>.</summary>
    internal IEnumerable<ModuleTensorSlot> AdditionalTensorSlots() => AdditionalTensors();

    /// <summary><see cref="AdditionalChildren"/>, for <see cref="ModuleIdentity"/>.</summary>
    internal IEnumerable<KeyValuePair<string, Module>> AdditionalChildEntries() => AdditionalChildren();

    /// <summary>The parameters, buffers and children held directly by this module, in discovery order.</summary>
    internal List<ModuleEntry> LocalEntries()
    {
        var entries = new List<ModuleEntry>();
        foreach (var member in ModuleMember.For(GetType())) member.Collect(this, entries);
        CollectRegistered(entries);
        foreach (var slot in AdditionalTensors())
        {
            if (string.IsNullOrEmpty(slot.Name) || slot.Value is null || slot.Replace is null)
                throw new InvalidOperationException($"Module {GetType().Name}: AdditionalTensors returned a slot without a name, a tensor or a replace action.");
            var replace = slot.Replace;
            entries.Add(new ModuleEntry(slot.Name, slot.IsBuffer ? ModuleMemberKind.Buffer : ModuleMemberKind.Parameter,
                !slot.IsBuffer || slot.Persistent, slot.Value, null, this, -1, value => replace((Tensor)value!)));
        }
        foreach (var child in AdditionalChildren())
        {
            if (child.Value is not null)
                entries.Add(new ModuleEntry(child.Key, ModuleMemberKind.Child, true, child.Value, null, this, -1));
        }
        return entries;
    }

    /// <summary>
    /// Every parameter and buffer below this module as (dotted path, entry), in state-dict order: own
    /// parameters, own buffers, then children. With <paramref name="removeDuplicate"/> a tensor or
    /// module reached twice is listed once (like PyTorch's <c>named_parameters</c>).
    /// </summary>
    internal List<(string Path, ModuleEntry Entry)> TensorEntries(bool parameters, bool buffers, bool persistentOnly, bool removeDuplicate)
    {
        var result = new List<(string, ModuleEntry)>();
        var seenTensors = removeDuplicate ? new HashSet<object>(ReferenceEqualityComparer.Instance) : null;
        var seenModules = removeDuplicate ? new HashSet<object>(ReferenceEqualityComparer.Instance) : null;
        var path = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Visit(this, "");
        return result;

        void Visit(Module module, string prefix)
        {
            if (seenModules is not null && !seenModules.Add(module)) return;
            if (!path.Add(module))
                throw new InvalidOperationException($"Module {GetType().Name}: the module tree has a cycle: '{prefix.TrimEnd('.')}' contains itself.");
            var entries = module.LocalEntries();
            foreach (var kind in (ReadOnlySpan<ModuleMemberKind>)[ModuleMemberKind.Parameter, ModuleMemberKind.Buffer])
            {
                if (kind == ModuleMemberKind.Parameter ? !parameters : !buffers) continue;
                foreach (var e in entries)
                {
                    if (e.Kind != kind || (persistentOnly && !e.Persistent)) continue;
                    if (seenTensors is not null && !seenTensors.Add(e.Value)) continue;
                    result.Add((prefix + e.Name, e));
                }
            }
            foreach (var e in entries)
                if (e.Kind == ModuleMemberKind.Child) Visit((Module)e.Value, prefix + e.Name + ".");
            path.Remove(module);
        }
    }

    /// <summary>The parameters with their dotted paths (e.g. <c>conv1.weight</c>), each tensor once, in state-dict order.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedParameters()
    {
        var entries = TensorEntries(parameters: true, buffers: false, persistentOnly: false, removeDuplicate: true);
        var result = new List<KeyValuePair<string, Tensor>>(entries.Count);
        foreach (var (path, e) in entries) result.Add(new(path, (Tensor)e.Value));
        return result;
    }

    /// <summary>The parameters, each tensor once, in state-dict order.</summary>
    public IEnumerable<Tensor> Parameters()
    {
        var result = new List<Tensor>();
        foreach (var p in NamedParameters()) result.Add(p.Value);
        return result;
    }

    /// <summary>The buffers (persistent or not) with their dotted paths, each tensor once.</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedBuffers()
    {
        var entries = TensorEntries(parameters: false, buffers: true, persistentOnly: false, removeDuplicate: true);
        var result = new List<KeyValuePair<string, Tensor>>(entries.Count);
        foreach (var (path, e) in entries) result.Add(new(path, (Tensor)e.Value));
        return result;
    }

    /// <summary>The buffers (persistent or not), each tensor once.</summary>
    public IEnumerable<Tensor> Buffers()
    {
        var result = new List<Tensor>();
        foreach (var b in NamedBuffers()) result.Add(b.Value);
        return result;
    }

    /// <summary>The direct submodules with their local names, each module once.</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedChildren()
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var result = new List<KeyValuePair<string, Module>>();
        foreach (var e in LocalEntries())
            if (e.Kind == ModuleMemberKind.Child && seen.Add(e.Value)) result.Add(new(e.Name, (Module)e.Value));
        return result;
    }

    /// <summary>The direct submodules, each once.</summary>
    public IEnumerable<Module> Children()
    {
        var result = new List<Module>();
        foreach (var c in NamedChildren()) result.Add(c.Value);
        return result;
    }

    /// <summary>This module (path <c>""</c>) and every module below it with dotted paths, pre-order, each module once.</summary>
    public IEnumerable<KeyValuePair<string, Module>> NamedModules()
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        var result = new List<KeyValuePair<string, Module>>();
        Visit(this, "");
        return result;

        void Visit(Module module, string path)
        {
            if (!seen.Add(module)) return;
            result.Add(new(path, module));
            foreach (var child in module.NamedChildren())
                Visit(child.Value, path.Length == 0 ? child.Key : path + "." + child.Key);
        }
    }

    /// <summary>This module and every module below it, pre-order, each once.</summary>
    public IEnumerable<Module> Modules()
    {
        var result = new List<Module>();
        foreach (var m in NamedModules()) result.Add(m.Value);
        return result;
    }

    /// <summary>
    /// Sets training mode (<paramref name="mode"/> true) or evaluation mode on this module and every
    /// module below it; layers such as Dropout and BatchNorm read <see cref="Training"/>.
    /// </summary>
    /// <returns>This module.</returns>
    public Module Train(bool mode = true)
    {
        foreach (var m in Modules()) m.Training = mode;
        return this;
    }

    /// <summary>Sets evaluation mode on this module and every module below it (<c>Train(false)</c>).</summary>
    /// <returns>This module.</returns>
    public Module Eval() => Train(false);

    /// <summary>
    /// Clears the gradients of all parameters (PyTorch 2's <c>zero_grad</c>, and the same default as
    /// <see cref="Optim.Optimizer.ZeroGrad"/>): sets <see cref="Tensor.Grad"/> to null, or with
    /// <paramref name="setToNone"/> false fills existing gradients with zeros.
    /// </summary>
    public void ZeroGrad(bool setToNone = true)
    {
        foreach (var p in Parameters())
        {
            if (p.Grad is null) continue;
            if (setToNone) p.Grad = null;
            else p.Grad.Fill_(0);
        }
    }

    /// <summary>
    /// Sets <see cref="Tensor.RequiresGrad"/> on every parameter: false freezes the module (e.g. a
    /// pretrained backbone), true unfreezes it. Freeze one parameter with <c>layer.Weight.RequiresGrad_(false)</c>.
    /// </summary>
    /// <returns>This module.</returns>
    public Module RequiresGrad_(bool requiresGrad = true)
    {
        foreach (var p in Parameters()) p.RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>The number of parameter elements, each shared tensor counted once.</summary>
    public long ParameterCount
    {
        get
        {
            long n = 0;
            foreach (var p in Parameters()) n += p.Numel;
            return n;
        }
    }

    /// <summary>The number of parameter elements that require gradients (not frozen).</summary>
    public long TrainableParameterCount
    {
        get
        {
            long n = 0;
            foreach (var p in Parameters())
                if (p.RequiresGrad) n += p.Numel;
            return n;
        }
    }

    /// <summary>
    /// Calls <paramref name="fn"/> on every submodule (children first, recursively) and then on this
    /// module, like PyTorch's <c>apply</c>; typically used to initialise weights.
    /// </summary>
    /// <returns>This module.</returns>
    public Module Apply(Action<Module> fn)
    {
        ArgumentNullException.ThrowIfNull(fn);
        foreach (var child in Children()) child.Apply(fn);
        fn(this);
        return this;
    }
}
