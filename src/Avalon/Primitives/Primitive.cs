using Avalon.Autodiff;
using Avalon.Backends;

namespace Avalon.Primitives;

/// <summary>
/// A device kernel: computes a primitive's outputs from its inputs into the given output buffers.
/// </summary>
/// <param name="inputs">The input tensors (validated by the shape rule; any strides).</param>
/// <param name="attributes">The call's attributes (validated against the primitive's schema, defaults filled in).</param>
/// <param name="outputs">
/// One dense, row-major tensor per output, of the spec the shape rule computed, on the inputs' device.
/// Its elements are unspecified when the kernel starts (the kernel writes every one), and it may be a
/// slice of a larger buffer (a non-zero <see cref="Tensor.Offset"/>): the eager path allocates fresh
/// buffers, a planned executor hands in slices of its arena.
/// </param>
public delegate void Kernel(Tensor[] inputs, Attributes attributes, Tensor[] outputs);

/// <summary>
/// One primitive operation: a name, an attribute schema, a shape/dtype rule, effects, a forward kernel
/// per device and a derivative rule written in primitives (so gradients of gradients work). Every
/// tensor operation is a primitive or a composition of primitives; every primitive call is what a
/// <see cref="Tape"/> records. A call defines one or more values (<see cref="OutputCount"/>).
/// </summary>
/// <remarks>
/// To add a primitive, derive from this class (or use <see cref="PrimitiveRegistry.Register(string, Func{TensorSpec[], Attributes, TensorSpec}, Kernel, Func{GradContext, Tensor?[]}, bool)"/>),
/// implement <see cref="InferSpec"/> (or <see cref="InferSpecs"/> for several outputs), declare
/// <see cref="Schema"/>, and override <see cref="Backward"/> (or <see cref="IsDifferentiable"/> for ops
/// such as comparisons). Backends register their kernels with <see cref="RegisterKernel"/>; a primitive
/// never names a backend.
/// </remarks>
public abstract class Primitive
{
    private readonly Kernel?[] _kernels = new Kernel?[Enum.GetValues<DeviceType>().Length];

    /// <summary>Creates a primitive and registers it by name.</summary>
    /// <param name="name">The name it prints under (snake_case).</param>
    /// <param name="replace">Replace a primitive already registered under that name (otherwise that is an error).</param>
    protected Primitive(string name, bool replace = false)
    {
        Name = name;
        PrimitiveRegistry.Add(this, replace);
    }

    /// <summary>
    /// Creates a primitive that is not registered by name: one the compiler makes for a tape (a fused
    /// kernel), of which there may be many under one name and which the registry does not list.
    /// </summary>
    private protected Primitive(string name, PrimitiveRegistration registration)
    {
        Name = name;
        if (registration == PrimitiveRegistration.Registered) PrimitiveRegistry.Add(this, replace: false);
    }

    /// <summary>The primitive's name as it prints on a tape (snake_case, like ATen's).</summary>
    public string Name { get; }

    /// <summary>True for primitives registered by user code rather than built into Avalon.</summary>
    public virtual bool IsUserDefined => GetType().Assembly != typeof(Primitive).Assembly;

    /// <summary>
    /// False for primitives whose output carries no gradient (comparisons, argmax, integer results):
    /// no rule is needed and no gradient flows through them.
    /// </summary>
    public virtual bool IsDifferentiable => true;

    /// <summary>
    /// Whether the derivative rule reads the value of input <paramref name="index"/> (not just its shape):
    /// backward then checks that the input was not modified in place since the call (PyTorch's version
    /// check). Rules that need only shapes (add, sub, views, sums) say false, so in-place updates of
    /// their inputs stay legal.
    /// </summary>
    public virtual bool RuleReadsInput(int index) => true;

    /// <summary>
    /// How many values one call defines (1 for most primitives). A primitive whose count differs from
    /// call to call (split, unbind) returns -1 here and gives the count of a call through <see cref="OutputCountFor"/>.
    /// </summary>
    public virtual int OutputCount => 1;

    /// <summary>
    /// How many values a call with these input specs and (validated) attributes defines:
    /// <see cref="OutputCount"/> unless the primitive's count varies (split's comes from its sizes).
    /// </summary>
    public virtual int OutputCountFor(TensorSpec[] inputs, Attributes attributes) => OutputCount;

    /// <summary>What a call does besides computing its outputs (views, in-place writes, random draws).</summary>
    public virtual PrimitiveEffects Effects => PrimitiveEffects.Pure;

    /// <summary>
    /// The attributes a call takes (names, types, defaults), checked on every call; null when the
    /// primitive does not declare them (then any attributes pass through unchecked).
    /// </summary>
    public virtual AttributeSchema? Schema => null;

    /// <summary>
    /// The inputs a call takes, in order, named as PyTorch's signature names them (<c>["input", "other"]</c>
    /// for add, <c>["input", "weight", "bias?"]</c> for conv, <c>["tensors..."]</c> for cat): a name
    /// ending in <c>?</c> is an optional trailing input, one ending in <c>...</c> (last only) stands for
    /// any number of tensors. Every call is checked against it before the shape rule ("add: expected 2
    /// inputs (input, other), got 3."). Null when the primitive does not declare them (then the shape
    /// rule alone checks the count). Declared once: the list must not change between calls.
    /// </summary>
    public virtual IReadOnlyList<string>? InputNames => null;

    /// <summary>
    /// The shape/dtype rule of a single-output primitive: validates the inputs (throwing an exception
    /// that names the operation, the shapes and dtypes, and what was expected) and returns the output's spec.
    /// </summary>
    public virtual TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes) =>
        OutputCount == 1
            ? throw new NotImplementedException($"{Name}: a primitive overrides InferSpec or InferSpecs.")
            : throw new InvalidOperationException($"{Name} defines {OutputCount} values; use InferSpecs.");

    /// <summary>The shape/dtype rule for every output (by default the single output of <see cref="InferSpec"/>).</summary>
    public virtual TensorSpec[] InferSpecs(TensorSpec[] inputs, Attributes attributes) => [InferSpec(inputs, attributes)];

    /// <summary>
    /// The derivative rule: given the call's inputs, outputs and the gradients of the outputs, returns
    /// the gradient of each input (null where none flows or none is needed), computed with tensor
    /// operations so that the rule itself is recorded and differentiable.
    /// </summary>
    public virtual Tensor?[] Backward(GradContext context) => throw new MissingDerivativeRuleException(this);

    /// <summary>Registers the kernel that computes this primitive on devices of type <paramref name="device"/> (replacing any).</summary>
    public void RegisterKernel(DeviceType device, Kernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (this is ViewPrimitive)
            throw new InvalidOperationException($"{Name} is a view: it has one device-neutral implementation and takes no kernels.");
        _kernels[(int)device] = kernel;
    }

    /// <summary>Whether a kernel is registered for <paramref name="device"/> (a view primitive needs none).</summary>
    public bool HasKernel(DeviceType device) =>
        this is ViewPrimitive || _kernels[(int)device] is not null;

    /// <summary>The attributes of a call, checked against <see cref="Schema"/> with defaults filled in.</summary>
    public Attributes ValidateAttributes(Attributes attributes) => Schema?.Validate(Name, attributes) ?? attributes;

    /// <summary>
    /// Runs a single-output primitive: checks the inputs, computes the output on the inputs' device,
    /// and records the call on every active tape and, when an input requires a gradient, on the eager
    /// autograd graph.
    /// </summary>
    public Tensor Invoke(Attributes attributes, params Tensor[] inputs)
    {
        if (OutputCount != 1)
            throw new InvalidOperationException($"{Name} defines {(OutputCount < 0 ? "several" : OutputCount)} values; call InvokeMany.");
        return InvokeMany(attributes, inputs)[0];
    }

    /// <summary>Runs the primitive like <see cref="Invoke"/> and returns every output.</summary>
    /// <remarks>
    /// On the plain path (no tape tracing, no input requiring a gradient) a call of a pure primitive
    /// allocates its output tensors, their storage and the returned array, and nothing else: attributes
    /// already validated for the schema are not validated again, the input specs go into a reused
    /// per-thread array, and a single-output rule is called without the array of <see cref="InferSpecs"/>.
    /// </remarks>
    public Tensor[] InvokeMany(Attributes attributes, params Tensor[] inputs)
    {
        attributes = ValidateAttributes(attributes);
        Tensor[] outputs;
        Tensor[]? saved = null;
        if (HasSingleSpecRule && !Effects.IsInPlace && this is not ViewPrimitive)
        {
            // The common case: one fresh output from InferSpec, no spec array.
            var spec = SingleSpec(attributes, inputs);
            outputs = [Tensor.Uninitialized(spec)];
            RunKernel(inputs, attributes, outputs);
        }
        else
        {
            var specs = Specs(attributes, inputs);
            saved = Effects.IsInPlace ? Recorder.PrepareInPlace(this, inputs) : null;
            outputs = Execute(inputs, attributes, specs);
        }
        foreach (var output in outputs) AnomalyMode.CheckForward(this, inputs, output); // anomaly-detection hook (Autodiff/AnomalyMode.cs)
        Recorder.Record(this, attributes, inputs, outputs, saved);
        if (Effects.IsInPlace) ViewRebase.AfterInPlace(this, inputs);
        return outputs;
    }

    // Whether the primitive has one output and its rule is InferSpec (InferSpecs not overridden), so a
    // call can skip the one-element array of InferSpecs. 0: not known yet, 1: yes, 2: no.
    private int _singleSpecRule;

    private bool HasSingleSpecRule
    {
        get
        {
            if (_singleSpecRule == 0)
            {
                var method = GetType().GetMethod(nameof(InferSpecs), [typeof(TensorSpec[]), typeof(Attributes)]);
                bool single = OutputCount == 1 && method?.DeclaringType == typeof(Primitive);
                _singleSpecRule = single ? 1 : 2;
            }
            return _singleSpecRule == 1;
        }
    }

    // The spec array handed to shape rules, reused per thread and per input count (taken out of its slot
    // while a rule runs, so a rule that calls a primitive gets a fresh one).
    [ThreadStatic] private static TensorSpec[]?[]? t_specArrays;

    private const int PooledSpecArrays = 8;

    private static TensorSpec[] RentSpecs(int length)
    {
        if (length < PooledSpecArrays && t_specArrays?[length] is { } pooled)
        {
            t_specArrays[length] = null;
            return pooled;
        }
        return new TensorSpec[length];
    }

    private static void ReturnSpecs(TensorSpec[] specs)
    {
        if (specs.Length >= PooledSpecArrays) return;
        Array.Clear(specs);
        (t_specArrays ??= new TensorSpec[]?[PooledSpecArrays])[specs.Length] = specs;
    }

    // The inputs' specs after the device and input-count checks, in a rented array (return it with ReturnSpecs).
    private TensorSpec[] InputSpecs(Tensor[] inputs)
    {
        CheckInputCount(inputs.Length);
        if (inputs.Length > 0)
        {
            var device = inputs[0].Device;
            for (int i = 1; i < inputs.Length; i++)
                if (inputs[i].Device != device)
                    throw OpErrors.Argument(Name,
                        $"expected all tensors on the same device, but input 0 is on {device} and input {i} is on {inputs[i].Device}. Move them with .To(device).");
        }
        var specs = RentSpecs(inputs.Length);
        for (int i = 0; i < inputs.Length; i++) specs[i] = inputs[i].Spec;
        return specs;
    }

    private TensorSpec SingleSpec(Attributes attributes, Tensor[] inputs)
    {
        var specs = InputSpecs(inputs);
        var spec = InferSpec(specs, attributes);
        ReturnSpecs(specs);
        return spec;
    }

    /// <summary>The output specs of a call (device agreement and input count checked, then the shape rule).</summary>
    internal TensorSpec[] Specs(Attributes attributes, Tensor[] inputs)
    {
        var specs = InputSpecs(inputs);
        var outSpecs = InferSpecs(specs, attributes);
        int count = OutputCountFor(specs, attributes);
        ReturnSpecs(specs);
        if (outSpecs.Length != count)
            throw OpErrors.State(Name, $"the shape rule returned {outSpecs.Length} specs for {count} outputs. This is a bug in the primitive.");
        return outSpecs;
    }

    // The input count InputNames allows, worked out once.
    private InputArity? _arity;

    private void CheckInputCount(int count)
    {
        var arity = _arity ??= InputArity.Of(InputNames);
        if (count < arity.Min || count > arity.Max) throw OpErrors.Argument(Name, arity.Describe(count));
    }

    /// <summary>
    /// Computes the outputs (fresh buffers, views for a view primitive, or for an in-place primitive the
    /// mutated inputs themselves, which its kernel updates) without recording.
    /// </summary>
    internal Tensor[] Execute(Tensor[] inputs, Attributes attributes, TensorSpec[] specs)
    {
        if (this is InPlace.InPlacePrimitive inPlace) return inPlace.ExecuteInPlace(inputs, attributes);
        if (this is ViewPrimitive view)
        {
            var views = view.Views(inputs, attributes, specs);
            if (views.Length != specs.Length)
                throw OpErrors.State(Name, $"returned {views.Length} views for {specs.Length} outputs. This is a bug in the primitive.");
            for (int k = 0; k < views.Length; k++) CheckOutput(k, views[k], specs[k]);
            ViewRebase.Remember(view, attributes, inputs, views);
            return views;
        }
        if (Effects.IsInPlace)
        {
            // An in-place call's outputs are the tensors it writes into (output k is mutated input k).
            var updated = new Tensor[specs.Length];
            for (int k = 0; k < specs.Length; k++)
            {
                updated[k] = inputs[Effects.MutatedInputs[k]];
                CheckOutput(k, updated[k], specs[k]);
            }
            RunKernel(inputs, attributes, updated);
            return updated;
        }
        var outputs = new Tensor[specs.Length];
        for (int k = 0; k < specs.Length; k++) outputs[k] = Tensor.Uninitialized(specs[k]);
        RunKernel(inputs, attributes, outputs);
        return outputs;
    }

    /// <summary>
    /// Computes the outputs into the given buffers (dense, of the specs the shape rule gives) without
    /// recording: what a planned executor calls with slices of its arena. The attributes must already be
    /// validated (<see cref="ValidateAttributes"/>). An in-place primitive
    /// (<see cref="PrimitiveEffects.IsInPlace"/>) writes into the inputs it mutates; output k, when it
    /// is another buffer than mutated input k, receives a copy of it, and each mutated input counts one
    /// version (<see cref="Tensor.Version"/>), as a recorded call would.
    /// </summary>
    public void Compute(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        int count = OutputCountFor(Array.ConvertAll(inputs, x => x.Spec), attributes);
        if (outputs.Length != count)
            throw OpErrors.Argument(Name, $"expected {count} output buffers, got {outputs.Length}.");
        foreach (var o in outputs)
            if (!o.IsContiguous)
                throw OpErrors.Argument(Name, $"output buffers must be dense (row-major); got strides [{string.Join(", ", o.Strides)}] for shape {o.Shape}.");
        var mutated = Effects.MutatedInputs;
        for (int m = 0; m < mutated.Count; m++) inputs[mutated[m]].Storage.BumpVersion();
        if (this is ViewPrimitive or InPlace.InPlacePrimitive)
        {
            var views = Execute(inputs, attributes, Array.ConvertAll(outputs, o => o.Spec));
            for (int k = 0; k < outputs.Length; k++)
                if (!ReferenceEquals(views[k], outputs[k])) views[k].Storage.Backend.Copy(views[k], outputs[k]);
            return;
        }
        if (Effects.IsInPlace)
        {
            // The kernel writes into the mutated inputs; buffers other than those receive a copy.
            RunKernel(inputs, attributes, outputs);
            for (int k = 0; k < outputs.Length; k++)
            {
                var updated = inputs[Effects.MutatedInputs[k]];
                if (!ReferenceEquals(updated, outputs[k])) updated.Storage.Backend.Copy(updated, outputs[k]);
            }
            return;
        }
        RunKernel(inputs, attributes, outputs);
    }

    private void RunKernel(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var device = outputs.Length > 0 ? outputs[0].Device : inputs.Length > 0 ? inputs[0].Device : Device.Cpu;
        KernelFor(device)(inputs, attributes, outputs);
    }

    /// <summary>
    /// The kernel registered for <paramref name="device"/>'s type (registering the backend's kernels
    /// first if needed): a planned executor looks it up once and calls it on every run.
    /// </summary>
    /// <exception cref="NotSupportedException">No kernel is registered for that device.</exception>
    internal Kernel KernelFor(Device device)
    {
        var kernel = _kernels[(int)device.Type];
        if (kernel is null)
        {
            // A backend registers its kernels when a primitive first needs one.
            Backend.EnsureKernels(device.Type);
            kernel = _kernels[(int)device.Type]
                ?? throw OpErrors.NotSupported(Name, $"no kernel is registered for device '{device}'. Register one with Primitive.RegisterKernel.");
        }
        return kernel;
    }

    private void CheckOutput(int k, Tensor output, TensorSpec spec)
    {
        if (output.Shape != spec.Shape || output.DType != spec.DType)
            throw OpErrors.State(
                Name, $"output {k} is {output.DType.Name()}{output.Shape} but the shape rule promised {spec}. This is a bug in the primitive.");
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>Whether a primitive is listed by <see cref="PrimitiveRegistry"/> (compiler-made primitives are not).</summary>
internal enum PrimitiveRegistration
{
    /// <summary>Registered by name, like every built-in and user primitive.</summary>
    Registered,

    /// <summary>Not registered: made by the compiler for one tape.</summary>
    Unregistered,
}
