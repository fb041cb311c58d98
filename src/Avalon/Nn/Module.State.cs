using Avalon.Autodiff;
using Avalon.Interop;
using Avalon.Primitives;

namespace Avalon.Nn;

public abstract partial class Module
{
    /// <summary>
    /// The persistent state by dotted path: every parameter, then every persistent buffer, module by
    /// module in PyTorch's <c>state_dict</c> order. The values share storage with the module's tensors
    /// but are detached (no gradient tracking), like PyTorch's.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var result = new OrderedDictionary<string, Tensor>();
        foreach (var (path, e) in TensorEntries(parameters: true, buffers: true, persistentOnly: true, removeDuplicate: false))
            result.Add(path, ((Tensor)e.Value).Detach());
        return result;
    }

    /// <summary>
    /// Copies the values of <paramref name="stateDict"/> into this module's parameters and persistent
    /// buffers, keeping the tensors themselves (so optimisers holding them see the new values).
    /// </summary>
    /// <param name="stateDict">Dotted path → tensor, e.g. from <see cref="StateDict"/> or a checkpoint.</param>
    /// <param name="strict">When true (default) missing and unexpected keys are errors; when false they
    /// are only reported in the result.</param>
    /// <returns>The keys that were missing and those that were not used.</returns>
    /// <remarks>
    /// All or nothing: every name, shape and dtype is checked before the first value is copied (a value
    /// on another device is copied across, as PyTorch loads a CPU checkpoint into a model on a GPU), and a source that shares memory with one of the module's tensors (for example a
    /// state dict of this very module with two entries swapped) is copied aside first, so each
    /// tensor receives exactly the value the state dict held when the call began. A
    /// <see cref="MappedStateDict"/> (<c>StateDictFile.Map</c>) is checked from its header and read one
    /// tensor at a time, straight into the module's memory where that is a dense CPU tensor, so loading it
    /// allocates at most one tensor at a time (nothing for a model on the CPU).
    /// </remarks>
    /// <exception cref="StateDictMismatchException">Keys do not match (strict) or a tensor has another
    /// shape or dtype than the module's. Nothing is copied then; the message lists every problem.</exception>
    public LoadStateDictResult LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var entries = TensorEntries(parameters: true, buffers: true, persistentOnly: true, removeDuplicate: false);
        var (missing, unexpected) = Validate(entries, stateDict, strict, sameDevice: false);
        if (stateDict is MappedStateDict mapped)
        {
            // Read from the file one tensor at a time, each copied and dropped before the next is read,
            // after every tensor's data has been checked, so a bad byte still leaves the module unchanged.
            foreach (var (path, _) in entries)
                if (mapped.ContainsKey(path)) mapped.CheckData(path);
            foreach (var (path, e) in entries)
            {
                // Straight into the parameter's memory when it is a dense CPU tensor; through one temporary tensor otherwise.
                var target = (Tensor)e.Value;
                if (mapped.ContainsKey(path) && !mapped.TryReadInto(path, target)) target.CopyFrom_(mapped[path]);
            }
            return new LoadStateDictResult(missing, unexpected);
        }
        var own = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var (_, e) in entries) own.Add(((Tensor)e.Value).Storage);
        var sources = new List<(Tensor Target, Tensor Source)>(entries.Count);
        foreach (var (path, e) in entries)
        {
            if (!stateDict.TryGetValue(path, out var src)) continue;
            var target = (Tensor)e.Value;
            if (IsSameView(src, target)) continue;   // loading a tensor into itself changes nothing
            sources.Add((target, own.Contains(src.Storage) ? src.ContiguousCopy() : src));
        }
        foreach (var (target, source) in sources) target.CopyFrom_(source);
        return new LoadStateDictResult(missing, unexpected);
    }

    private static bool IsSameView(Tensor a, Tensor b) =>
        ReferenceEquals(a, b) ||
        (ReferenceEquals(a.Storage, b.Storage) && a.Offset == b.Offset && a.Shape == b.Shape && a.Strides.SequenceEqual(b.Strides));

    /// <summary>
    /// The error <see cref="LoadStateDict"/> would raise for <paramref name="stateDict"/>, or
    /// <see langword="null"/> when it would load; changes nothing.
    /// </summary>
    internal StateDictMismatchException? CheckStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        try
        {
            Validate(TensorEntries(parameters: true, buffers: true, persistentOnly: true, removeDuplicate: false), stateDict, strict, sameDevice: false);
            return null;
        }
        catch (StateDictMismatchException ex)
        {
            return ex;
        }
    }

    /// <summary>
    /// The live tensors of every parameter and buffer (persistent or not) by dotted path, in state-dict
    /// order: the "explicit state" view of a model, to pass to a pure function and back with
    /// <see cref="SetState"/> or <see cref="FunctionalCall{T}"/>.
    /// </summary>
    public OrderedDictionary<string, Tensor> GetState()
    {
        var result = new OrderedDictionary<string, Tensor>();
        foreach (var (path, e) in TensorEntries(parameters: true, buffers: true, persistentOnly: false, removeDuplicate: false))
            result.Add(path, (Tensor)e.Value);
        return result;
    }

    /// <summary>
    /// Puts the given tensors into the module in place of its own (by reference, no copy), e.g. the
    /// result of a pure update step. Names, shapes and dtypes are checked like <see cref="LoadStateDict"/>.
    /// </summary>
    /// <param name="state">Dotted path → tensor, as returned by <see cref="GetState"/>.</param>
    /// <param name="strict">When true (default) every parameter and buffer must be given, and no other.</param>
    /// <exception cref="StateDictMismatchException">The names, shapes or dtypes do not match; nothing is replaced then.</exception>
    public LoadStateDictResult SetState(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(state);
        var entries = TensorEntries(parameters: true, buffers: true, persistentOnly: false, removeDuplicate: false);
        var (missing, unexpected) = Validate(entries, state, strict, sameDevice: true);
        foreach (var (path, e) in entries)
            if (state.TryGetValue(path, out var t)) e.Set(t);
        return new LoadStateDictResult(missing, unexpected);
    }

    private (List<string> Missing, List<string> Unexpected) Validate(
        List<(string Path, ModuleEntry Entry)> entries, IReadOnlyDictionary<string, Tensor> given, bool strict, bool sameDevice)
    {
        var missing = new List<string>();
        var mismatches = new List<string>();
        var known = new HashSet<string>(entries.Count);
        foreach (var (path, e) in entries)
        {
            known.Add(path);
            var own = (Tensor)e.Value;
            TensorSpec? t;
            if (given is MappedStateDict mapped)
            {
                // A lazy state dict describes its tensors without reading them.
                if (!mapped.TryGetInfo(path, out var info))
                {
                    missing.Add(path);
                    continue;
                }
                t = new TensorSpec(info.Shape, info.DType, Device.Cpu);
            }
            else
            {
                if (!given.TryGetValue(path, out var value))
                {
                    missing.Add(path);
                    continue;
                }
                t = value is null ? null : TensorSpec.Of(value);
            }
            if (t is not { } spec)
                mismatches.Add($"null value for {path}: expected a tensor of shape {own.Shape}.");
            else if (spec.Shape != own.Shape)
                mismatches.Add($"size mismatch for {path}: copying a param with shape {spec.Shape} from checkpoint, the shape in current model is {own.Shape}.");
            else if (spec.DType != own.DType)
                mismatches.Add($"dtype mismatch for {path}: copying a param of dtype {spec.DType.Name()} from checkpoint, the dtype in current model is {own.DType.Name()}. Convert one side with .To(DType).");
            else if (sameDevice && spec.Device != own.Device)
                mismatches.Add($"device mismatch for {path}: copying a param on {spec.Device} from checkpoint, the current model has it on {own.Device}.");
        }
        var unexpected = new List<string>();
        foreach (var key in given.Keys)
            if (!known.Contains(key)) unexpected.Add(key);
        if (mismatches.Count > 0 || (strict && (missing.Count > 0 || unexpected.Count > 0)))
            throw new StateDictMismatchException(GetType().Name, strict ? missing : [], strict ? unexpected : [], mismatches);
        return (missing, unexpected);
    }

    /// <summary>
    /// Runs <paramref name="f"/> with the named parameters/buffers temporarily replaced by the given
    /// tensors, then puts the module's own tensors back, even when <paramref name="f"/> throws (PyTorch's
    /// <c>torch.func.functional_call</c>). Names not given keep the module's tensors. This turns a
    /// model into a pure function of its parameters, e.g. for <see cref="Grad.Of(Func{Tensor[], Tensor}, Tensor[])"/>.
    /// </summary>
    /// <param name="tensors">Dotted path → tensor to use in place of the module's.</param>
    /// <param name="f">The computation, typically <c>() =&gt; model.Forward(x)</c>.</param>
    /// <exception cref="ArgumentException">A name is not a parameter or buffer of this module.</exception>
    public T FunctionalCall<T>(IReadOnlyDictionary<string, Tensor> tensors, Func<T> f)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(f);
        var entries = TensorEntries(parameters: true, buffers: true, persistentOnly: false, removeDuplicate: false);
        var byPath = new Dictionary<string, ModuleEntry>(entries.Count);
        foreach (var (path, e) in entries) byPath[path] = e;
        var unknown = new List<string>();
        foreach (var key in tensors.Keys)
            if (!byPath.ContainsKey(key)) unknown.Add(key);
        if (unknown.Count > 0)
            throw OpErrors.Argument(
                "FunctionalCall", $"{GetType().Name} has no parameter or buffer named {string.Join(", ", unknown.Select(k => "\"" + k + "\""))}. Known names: {string.Join(", ", byPath.Keys)}.");

        var replaced = new List<ModuleEntry>(tensors.Count);
        try
        {
            foreach (var (key, tensor) in tensors)
            {
                ArgumentNullException.ThrowIfNull(tensor, key);
                var e = byPath[key];
                e.Set(tensor);
                replaced.Add(e);
            }
            return f();
        }
        finally
        {
            for (int i = replaced.Count - 1; i >= 0; i--) replaced[i].Set(replaced[i].Value);
        }
    }

    /// <summary>
    /// All parameters (each tensor once, in <see cref="NamedParameters"/> order) flattened and
    /// concatenated into one new 1-D tensor (PyTorch's <c>parameters_to_vector</c>, detached).
    /// </summary>
    /// <exception cref="InvalidOperationException">The parameters have different dtypes.</exception>
    public Tensor ParametersToVector()
    {
        var ps = NamedParameters().ToList();
        if (ps.Count == 0) return Tensor.Zeros([0], Tensor.DefaultDType);
        var dtype = CommonDType(ps, "ParametersToVector");
        long total = 0;
        foreach (var p in ps) total += p.Value.Numel;
        var vector = Tensor.Empty([checked((int)total)], dtype, ps[0].Value.Device);
        int offset = 0;
        foreach (var (_, p) in ps)
        {
            vector.ViewOf(p.Shape.ToArray(), ShapeUtil.ContiguousStrides(p.Shape.ToArray()), offset).CopyFrom_(p);
            offset += p.Numel;
        }
        return vector;
    }

    /// <summary>
    /// Copies consecutive slices of <paramref name="vector"/> into the parameters, in the layout of
    /// <see cref="ParametersToVector"/> (PyTorch's <c>vector_to_parameters</c>). The parameters keep
    /// their identity.
    /// </summary>
    /// <exception cref="ArgumentException">The vector is not 1-D, or its length or dtype does not match.</exception>
    public void VectorToParameters(Tensor vector)
    {
        var ps = NamedParameters().ToList();
        var slices = SliceVector(vector, ps, "VectorToParameters", differentiable: false);
        for (int i = 0; i < ps.Count; i++) ps[i].Value.CopyFrom_(slices[i]);
    }

    /// <summary>
    /// Splits <paramref name="vector"/> (laid out like <see cref="ParametersToVector"/>) into named
    /// tensors shaped like the parameters. The pieces are recorded views of the vector, so gradients
    /// flow back to it: use with <see cref="FunctionalCall{T}"/> to differentiate with respect to one
    /// flat parameter vector.
    /// </summary>
    /// <exception cref="ArgumentException">The vector is not 1-D, or its length or dtype does not match.</exception>
    public OrderedDictionary<string, Tensor> VectorToNamedParameters(Tensor vector)
    {
        var ps = NamedParameters().ToList();
        var slices = SliceVector(vector, ps, "VectorToNamedParameters", differentiable: true);
        var result = new OrderedDictionary<string, Tensor>();
        for (int i = 0; i < ps.Count; i++) result.Add(ps[i].Key, slices[i]);
        return result;
    }

    private Tensor[] SliceVector(Tensor vector, List<KeyValuePair<string, Tensor>> ps, string op, bool differentiable)
    {
        ArgumentNullException.ThrowIfNull(vector);
        long total = 0;
        foreach (var p in ps) total += p.Value.Numel;
        if (vector.Rank != 1 || vector.Numel != total)
            throw OpErrors.Argument(op, $"expected a 1-D vector of {total} elements (the parameters of {GetType().Name}), got shape {vector.Shape}.");
        if (ps.Count > 0)
        {
            var dtype = CommonDType(ps, op);
            if (vector.DType != dtype)
                throw OpErrors.Argument(op, $"the vector is {vector.DType.Name()} but the parameters are {dtype.Name()}.");
        }
        var dense = differentiable ? vector : vector.ContiguousNoGrad();
        var slices = new Tensor[ps.Count];
        int offset = 0;
        for (int i = 0; i < ps.Count; i++)
        {
            var shape = ps[i].Value.Shape.ToArray();
            int n = ps[i].Value.Numel;
            slices[i] = differentiable
                ? dense.Narrow(0, offset, n).Reshape(shape)
                : dense.ViewOf(shape, ShapeUtil.ContiguousStrides(shape), dense.Offset + offset);
            offset += n;
        }
        return slices;
    }

    private DType CommonDType(List<KeyValuePair<string, Tensor>> ps, string op)
    {
        var dtype = ps[0].Value.DType;
        foreach (var (name, p) in ps)
            if (p.DType != dtype)
                throw OpErrors.State(
                    op, $"{GetType().Name} mixes dtypes ({ps[0].Key} is {dtype.Name()}, {name} is {p.DType.Name()}); convert the module with .To(DType) first.");
        return dtype;
    }

    /// <summary>
    /// Converts every floating-point parameter and buffer (and gradient) to <paramref name="dtype"/>,
    /// replacing the tensors and keeping <see cref="Tensor.RequiresGrad"/>; integer buffers such as
    /// <c>num_batches_tracked</c> are left alone, like PyTorch. Build optimisers after converting.
    /// </summary>
    /// <returns>This module.</returns>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a floating-point dtype.</exception>
    public Module To(DType dtype)
    {
        if (!dtype.IsFloatingPoint())
            throw OpErrors.Argument("Module.To", $"only floating-point dtypes are accepted, got {dtype.Name()}.", nameof(dtype));
        return ReplaceTensors(t => t.DType.IsFloatingPoint() && t.DType != dtype, t => t.Storage.Backend.Cast(t, dtype));
    }

    /// <summary>
    /// Moves every parameter and buffer (and gradient) to <paramref name="device"/>, replacing the
    /// tensors and keeping <see cref="Tensor.RequiresGrad"/>. Build optimisers after moving.
    /// </summary>
    /// <returns>This module.</returns>
    public Module To(Device device) => ReplaceTensors(t => t.Device != device, t => t.Detach().To(device));

    private Module ReplaceTensors(Func<Tensor, bool> needs, Func<Tensor, Tensor> convert)
    {
        // A tensor shared by several members is converted once so that it stays shared.
        var done = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        using var noGrad = new NoGrad();
        foreach (var (_, e) in TensorEntries(parameters: true, buffers: true, persistentOnly: false, removeDuplicate: false))
        {
            var old = (Tensor)e.Value;
            if (!needs(old)) continue;
            if (!done.TryGetValue(old, out var converted))
            {
                converted = convert(old).Detach();
                if (old.RequiresGrad) converted.RequiresGrad = true;
                if (old.Grad is { } g) converted.Grad = convert(g).Detach();
                done.Add(old, converted);
            }
            e.Set(converted);
        }
        return this;
    }
}
