namespace Avalon.Primitives.Optim;

/// <summary>
/// A fused, in-place optimiser update: one call updates one parameter and its state tensors from its
/// gradient. Inputs are the parameter, the gradient, the state tensors (parameter-shaped) and, last,
/// any per-step scalars (0-d float64 tensors such as the step count). The call writes into the
/// parameter and the state tensors (<see cref="PrimitiveEffects.Mutates"/>) and returns them, updated,
/// in that order. Not differentiable.
/// </summary>
internal abstract class OptimizerUpdatePrimitive : Primitive
{
    private readonly string[] _inputNames;
    private readonly int _scalarInputs;
    private readonly PrimitiveEffects _effects;

    /// <summary>Creates an update primitive.</summary>
    /// <param name="name">Its name (ends in an underscore, like PyTorch's in-place ops).</param>
    /// <param name="stateNames">The state tensors after the parameter and the gradient, in input order.</param>
    /// <param name="scalarNames">The 0-d float64 inputs after the state tensors.</param>
    protected OptimizerUpdatePrimitive(string name, string[] stateNames, string[] scalarNames) : base(name)
    {
        _inputNames = ["param", "grad", .. stateNames, .. scalarNames];
        _scalarInputs = scalarNames.Length;
        StateCount = stateNames.Length;
        int[] mutated = [0, .. Enumerable.Range(2, stateNames.Length)];
        _effects = PrimitiveEffects.Mutates(mutated);
    }

    /// <summary>The number of state tensors a call updates (after the parameter and the gradient).</summary>
    public int StateCount { get; }

    /// <summary>The number of 0-d float64 inputs after the state tensors (the step count).</summary>
    public int ScalarCount => _scalarInputs;

    /// <inheritdoc />
    public sealed override bool IsDifferentiable => false;

    /// <inheritdoc />
    public sealed override IReadOnlyList<string> InputNames => _inputNames;

    /// <inheritdoc />
    public sealed override int OutputCount => _effects.MutatedInputs.Count;

    /// <inheritdoc />
    public sealed override PrimitiveEffects Effects => _effects;

    /// <inheritdoc />
    public sealed override TensorSpec[] InferSpecs(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length != _inputNames.Length)
            throw OpErrors.Argument(
                Name, $"expected {_inputNames.Length} inputs ({string.Join(", ", _inputNames)}), got {inputs.Length}.");
        var param = inputs[0];
        if (param.DType is not (DType.Float32 or DType.Float64))
            throw OpErrors.NotSupported(Name, $"parameters of dtype {param.DType.Name()} are not supported; use float32 or float64 (param {param}).");
        int tensors = _inputNames.Length - _scalarInputs;
        for (int i = 1; i < tensors; i++)
            if (inputs[i].Shape != param.Shape || inputs[i].DType != param.DType)
                throw OpErrors.Argument(
                    Name, $"{_inputNames[i]} is {inputs[i]} but param is {param}; they must have the same shape and dtype.");
        for (int i = tensors; i < inputs.Length; i++)
            if (inputs[i].Shape.Rank != 0 || inputs[i].DType != DType.Float64)
                throw OpErrors.Argument(Name, $"{_inputNames[i]} must be a 0-d float64 tensor, got {inputs[i]}.");
        var specs = new TensorSpec[OutputCount];
        for (int k = 0; k < specs.Length; k++) specs[k] = inputs[_effects.MutatedInputs[k]];
        return specs;
    }
}
