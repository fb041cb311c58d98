namespace Avalon.Primitives.InPlace;

/// <summary>
/// An in-place primitive (PyTorch's <c>add_</c>, <c>copy_</c>, ...): writes the result of a functional
/// primitive into its first input, the target, and returns that same tensor. Its implementation is
/// device-neutral (the functional primitive's kernel, then the target's backend copies the result in),
/// its effects are <see cref="PrimitiveEffects.Mutates"/> input 0, and its derivative rule is the
/// functional primitive's, applied to the target's value from before the write (saved when a gradient
/// may be needed).
/// </summary>
internal sealed class InPlacePrimitive : Primitive
{
    private readonly Primitive _functional;
    private readonly int[] _argMap;

    /// <param name="name">The in-place name (with the trailing underscore).</param>
    /// <param name="functional">The primitive computing the new value.</param>
    /// <param name="inputNames">This primitive's inputs as PyTorch names them (the target first, <c>self</c>).</param>
    /// <param name="argMap">For each input of <paramref name="functional"/>, which input of this primitive it is (0 is the target).</param>
    public InPlacePrimitive(string name, Primitive functional, string[] inputNames, params int[] argMap) : base(name)
    {
        InputNames = inputNames;
        _functional = functional;
        _argMap = argMap;
    }

    /// <summary>The primitive whose result is written into the target.</summary>
    public Primitive Functional => _functional;

    public override PrimitiveEffects Effects => PrimitiveEffects.Mutates(0);

    public override AttributeSchema? Schema => _functional.Schema;

    public override IReadOnlyList<string> InputNames { get; }

    public override bool IsDifferentiable => _functional.IsDifferentiable;

    /// <summary>Whether the rule needs the target's value from before the write.</summary>
    public bool NeedsSavedTarget
    {
        get
        {
            for (int i = 0; i < _argMap.Length; i++)
                if (_argMap[i] == 0 && _functional.RuleReadsInput(i)) return true;
            return false;
        }
    }

    public override bool RuleReadsInput(int index)
    {
        for (int i = 0; i < _argMap.Length; i++)
            if (_argMap[i] == index && _functional.RuleReadsInput(i)) return true;
        return false;
    }

    /// <summary>The functional primitive's arguments taken from this call's (a planned executor maps them once).</summary>
    internal Tensor[] MapArguments(Tensor[] inputs) => Map(inputs);

    private T[] Map<T>(T[] inputs)
    {
        var mapped = new T[_argMap.Length];
        for (int i = 0; i < mapped.Length; i++) mapped[i] = inputs[_argMap[i]];
        return mapped;
    }

    public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length == 0) throw OpErrors.Argument(Name, $"expected a target tensor.");
        var target = inputs[0];
        var result = _functional.InferSpecs(Map(inputs), attributes)[0];
        if (result.Shape != target.Shape)
            throw OpErrors.Argument(Name, $"output with shape {target.Shape} doesn't match the broadcast shape {result.Shape}.");
        if (result.DType != target.DType)
            throw OpErrors.Argument(Name, $"result type {result.DType.Name()} can't be cast to the desired output type {target.DType.Name()}.");
        return target;
    }

    /// <summary>Computes the functional result and writes it into the target.</summary>
    internal Tensor[] ExecuteInPlace(Tensor[] inputs, Attributes attributes)
    {
        var args = Map(inputs);
        var specs = _functional.InferSpecs(Array.ConvertAll(args, t => t.Spec), attributes);
        var result = _functional.Execute(args, attributes, specs)[0];
        var target = inputs[0];
        target.Storage.Backend.Copy(result, target);
        return [target];
    }

    public override Tensor?[] Backward(GradContext c)
    {
        var args = Map(c.Inputs);
        var needs = Map(c.NeedsInputGrad);
        var inner = new GradContext(args, c.Attributes, c.Outputs, [c.GradOutput], needs);
        var fg = _functional.Backward(inner);
        var grads = new Tensor?[c.Inputs.Length];
        for (int i = 0; i < fg.Length; i++)
        {
            if (fg[i] is not { } g || !needs[i]) continue;
            int k = _argMap[i];
            grads[k] = grads[k] is { } acc ? acc + g : g;
        }
        return grads;
    }
}
