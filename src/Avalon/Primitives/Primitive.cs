using Avalon.Autodiff;

namespace Avalon.Primitives;

/// <summary>A device kernel: computes a primitive's output from its inputs, given the output's spec.</summary>
/// <param name="inputs">The input tensors (validated by the shape rule).</param>
/// <param name="attributes">The call's attributes.</param>
/// <param name="output">The output spec computed by the shape rule.</param>
public delegate Tensor Kernel(Tensor[] inputs, Attributes attributes, TensorSpec output);

/// <summary>
/// One primitive operation: a name, a shape/dtype rule, a forward kernel per device and a derivative
/// rule written in primitives (so gradients of gradients work). Every tensor operation is a primitive
/// or a composition of primitives; every primitive call is what a <see cref="Tape"/> records.
/// </summary>
/// <remarks>
/// To add a primitive, derive from this class (or use <see cref="PrimitiveRegistry.Register(string, Func{TensorSpec[], Attributes, TensorSpec}, Kernel, Func{GradContext, Tensor?[]})"/>),
/// implement <see cref="InferSpec"/>, register a kernel for each device with <see cref="RegisterKernel"/>,
/// and override <see cref="Backward"/> (or <see cref="IsDifferentiable"/> for ops such as comparisons).
/// </remarks>
public abstract class Primitive
{
    private readonly Kernel?[] _kernels = new Kernel?[Enum.GetValues<DeviceType>().Length];

    /// <summary>Creates a primitive and registers it by name.</summary>
    protected Primitive(string name)
    {
        Name = name;
        PrimitiveRegistry.Add(this);
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
    /// The shape/dtype rule: validates the inputs (throwing an exception that names the operation, the
    /// shapes and dtypes, and what was expected) and returns the output's spec.
    /// </summary>
    public abstract TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes);

    /// <summary>
    /// The derivative rule: given the call's inputs, output and the gradient of the output, returns the
    /// gradient of each input (null where none flows or none is needed), computed with tensor operations
    /// so that the rule itself is recorded and differentiable.
    /// </summary>
    public virtual Tensor?[] Backward(GradContext context) => throw new MissingDerivativeRuleException(this);

    /// <summary>Registers the kernel that computes this primitive on devices of type <paramref name="device"/>.</summary>
    public void RegisterKernel(DeviceType device, Kernel kernel) => _kernels[(int)device] = kernel;

    /// <summary>Whether a kernel is registered for <paramref name="device"/>.</summary>
    public bool HasKernel(DeviceType device) => _kernels[(int)device] is not null;

    /// <summary>
    /// Runs the primitive: checks the inputs, computes the output on the inputs' device, and records the
    /// call on every active tape and, when an input requires a gradient, on the eager autograd graph.
    /// </summary>
    public Tensor Invoke(Attributes attributes, params Tensor[] inputs)
    {
        var specs = new TensorSpec[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) specs[i] = TensorSpec.Of(inputs[i]);
        var device = inputs.Length > 0 ? inputs[0].Device : Device.Cpu;
        for (int i = 1; i < inputs.Length; i++)
            if (inputs[i].Device != device)
                throw new ArgumentException(
                    $"{Name}: expected all tensors on the same device, but input 0 is on {device} and input {i} is on {inputs[i].Device}. Move them with .To(device).");
        var spec = InferSpec(specs, attributes);
        var output = Compute(inputs, attributes, spec);
        AnomalyMode.CheckForward(this, inputs, output); // anomaly-detection hook (Autodiff/AnomalyMode.cs)
        Recorder.Record(this, attributes, inputs, output);
        return output;
    }

    /// <summary>Runs the kernel without recording (used by tape replay).</summary>
    internal Tensor Compute(Tensor[] inputs, Attributes attributes, TensorSpec spec)
    {
        var kernel = _kernels[(int)spec.Device.Type]
            ?? throw new NotSupportedException($"{Name}: no kernel is registered for device '{spec.Device}'. Register one with Primitive.RegisterKernel.");
        var output = kernel(inputs, attributes, spec);
        if (output.Shape != spec.Shape || output.DType != spec.DType)
            throw new InvalidOperationException(
                $"{Name}: the kernel returned {output.DType.Name()}{output.Shape} but the shape rule promised {spec}. This is a bug in the primitive.");
        return output;
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
