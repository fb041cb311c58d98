using System.Collections.Concurrent;
using Avalon.Backends;

namespace Avalon.Primitives.Optim;

/// <summary>
/// The multi-tensor form of an optimiser update (PyTorch's <c>_multi_tensor_adam</c> / fused
/// <c>foreach</c> path): one call updates every parameter of a parameter group. There is one
/// instance per single-tensor update and parameter count (<see cref="For"/>), unregistered, printed as
/// <c>multi_tensor_adam_update_</c> and so on.
/// </summary>
/// <remarks>
/// <para>Inputs, grouped by role, each group <see cref="Count"/> long: the parameters, the gradients,
/// then each state tensor of the single-tensor update (for Adam <c>exp_avg</c>, <c>exp_avg_sq</c>),
/// then each per-parameter 0-d float64 scalar (Adam's step count), and last the learning rate as a 0-d
/// float64 tensor. The learning rate is a value rather than an attribute so that a compiled step reads it
/// from a tensor its caller updates (schedulers keep working); the other hyperparameters are attributes
/// (the single-tensor schema without <c>lr</c>). The call writes into the parameters and the state
/// tensors and returns them, in input order.</para>
/// <para>Kernels: a backend registers a fused kernel for the family (<see cref="RegisterFusedKernel"/>),
/// which must give every element exactly what the single-tensor kernel gives. A device without one runs
/// the single-tensor kernel once per parameter (correct, not fused).</para>
/// </remarks>
internal sealed class MultiTensorUpdatePrimitive : Primitive
{
    private static readonly ConcurrentDictionary<(OptimizerUpdatePrimitive, int), MultiTensorUpdatePrimitive> s_instances = new();
    private static readonly ConcurrentDictionary<OptimizerUpdatePrimitive, Kernel?[]> s_fused = new();
    private static readonly int s_deviceTypes = Enum.GetValues<DeviceType>().Length;

    private readonly PrimitiveEffects _effects;
    private readonly AttributeSchema _schema;

    private MultiTensorUpdatePrimitive(OptimizerUpdatePrimitive single, int count)
        : base("multi_tensor_" + single.Name, PrimitiveRegistration.Unregistered)
    {
        Single = single;
        Count = count;
        StateCount = single.StateCount;
        ScalarCount = single.ScalarCount;
        var mutated = new List<int>(count * (1 + StateCount));
        for (int i = 0; i < count; i++) mutated.Add(i);
        for (int s = 0; s < StateCount; s++)
            for (int i = 0; i < count; i++) mutated.Add((2 + s) * count + i);
        _effects = PrimitiveEffects.Mutates([.. mutated]);
        _schema = AttributeSchema.Of([.. (single.Schema?.Specs ?? []).Where(s => s.Name != "lr")]);
        foreach (var type in Enum.GetValues<DeviceType>()) RegisterKernel(type, Run);
    }

    /// <summary>The update of <paramref name="count"/> parameters at once by <paramref name="single"/>'s algorithm.</summary>
    public static MultiTensorUpdatePrimitive For(OptimizerUpdatePrimitive single, int count)
    {
        ArgumentNullException.ThrowIfNull(single);
        if (count < 1) throw OpErrors.OutOfRange("multi_tensor_" + single.Name, nameof(count), count, "a multi-tensor update takes at least one parameter.");
        return s_instances.GetOrAdd((single, count), key => new MultiTensorUpdatePrimitive(key.Item1, key.Item2));
    }

    /// <summary>
    /// Registers the fused kernel of <paramref name="single"/>'s multi-tensor form for devices of type
    /// <paramref name="device"/>: it receives the inputs in the layout above and the validated attributes.
    /// </summary>
    public static void RegisterFusedKernel(OptimizerUpdatePrimitive single, DeviceType device, Kernel kernel)
    {
        ArgumentNullException.ThrowIfNull(single);
        ArgumentNullException.ThrowIfNull(kernel);
        s_fused.GetOrAdd(single, _ => new Kernel?[s_deviceTypes])[(int)device] = kernel;
    }

    /// <summary>The single-tensor update whose algorithm this runs.</summary>
    public OptimizerUpdatePrimitive Single { get; }

    /// <summary>How many parameters one call updates.</summary>
    public int Count { get; }

    /// <summary>State tensors per parameter.</summary>
    public int StateCount { get; }

    /// <summary>Per-parameter 0-d float64 scalars (step counts).</summary>
    public int ScalarCount { get; }

    /// <summary>The number of inputs of a call.</summary>
    public int InputCount => Count * (2 + StateCount + ScalarCount) + 1;

    /// <inheritdoc />
    public override bool IsDifferentiable => false;

    /// <inheritdoc />
    public override int OutputCount => _effects.MutatedInputs.Count;

    /// <inheritdoc />
    public override PrimitiveEffects Effects => _effects;

    /// <inheritdoc />
    public override AttributeSchema? Schema => _schema;

    /// <inheritdoc />
    public override TensorSpec[] InferSpecs(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length != InputCount)
            throw OpErrors.Argument(
                Name, $"expected {InputCount} inputs ({Count} parameters, {Count} gradients, {StateCount}×{Count} state tensors, {ScalarCount}×{Count} scalars, lr), got {inputs.Length}.");
        var one = new TensorSpec[2 + StateCount + ScalarCount];
        for (int i = 0; i < Count; i++)
        {
            for (int r = 0; r < one.Length; r++) one[r] = inputs[r * Count + i];
            try
            {
                Single.InferSpecs(one, attributes);
            }
            catch (ArgumentException ex)
            {
                throw OpErrors.Argument(Name, $"parameter {i} of {Count}: {ex.Message}");
            }
        }
        var lr = inputs[^1];
        if (lr.Shape.Rank != 0 || lr.DType != DType.Float64)
            throw OpErrors.Argument(Name, $"lr must be a 0-d float64 tensor, got {lr}.");
        var specs = new TensorSpec[OutputCount];
        for (int k = 0; k < specs.Length; k++) specs[k] = inputs[_effects.MutatedInputs[k]];
        return specs;
    }

    /// <summary>The device's fused kernel, or the single-tensor kernel per parameter.</summary>
    private void Run(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var type = inputs[0].Device.Type;
        var table = s_fused.GetValueOrDefault(Single);
        if (table?[(int)type] is null)
        {
            Backend.EnsureKernels(type);
            table = s_fused.GetValueOrDefault(Single);
        }
        if (table?[(int)type] is { } fused)
        {
            fused(inputs, attributes, outputs);
            return;
        }
        // No fused kernel on this device: the single-tensor kernel, one parameter at a time.
        var single = Single.KernelFor(inputs[0].Device);
        var withLr = attributes.With("lr", UpdateScalar(inputs[^1]));
        int perParameter = 2 + StateCount + ScalarCount;
        for (int i = 0; i < Count; i++)
        {
            var one = new Tensor[perParameter];
            for (int r = 0; r < perParameter; r++) one[r] = inputs[r * Count + i];
            var written = new Tensor[1 + StateCount];
            for (int s = 0; s < written.Length; s++) written[s] = one[s == 0 ? 0 : s + 1];
            single(one, withLr, written);
        }
    }

    private static double UpdateScalar(Tensor scalar) => ((double[])scalar.Storage.Backend.ToHost(scalar))[0];
}
