namespace Avalon.Primitives.Reduction;

/// <summary>
/// A reduction over a set of dims (attribute <c>dims</c>, normalised and sorted; <c>keepdim</c>).
/// The output keeps size-1 dims where reduced when keepdim is true.
/// </summary>
internal sealed class ReductionPrimitive : Primitive
{
    private readonly Func<GradContext, Tensor?>? _rule;
    private readonly DType? _outputDType;
    private readonly bool _allowEmpty;

    public ReductionPrimitive(string name, Kernel cpu, Func<GradContext, Tensor?>? rule, DType? outputDType = null, bool allowEmpty = true)
        : base(name)
    {
        _rule = rule;
        _outputDType = outputDType;
        _allowEmpty = allowEmpty;
        RegisterKernel(DeviceType.Cpu, cpu);
    }

    public override bool IsDifferentiable => _rule is not null;

    public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
    {
        var x = inputs[0];
        var dims = attributes.Ints("dims");
        bool keep = attributes.Bool("keepdim");
        var reduced = new bool[x.Shape.Rank];
        foreach (int d in dims)
        {
            if (d < 0 || d >= Math.Max(x.Shape.Rank, 1))
                throw new ArgumentException($"{Name}: dim {d} out of range for input of shape {x.Shape}.");
            if (x.Shape.Rank > 0)
            {
                reduced[d] = true;
                if (!_allowEmpty && x.Shape.Dims[d] == 0)
                    throw new ArgumentException($"{Name}: cannot reduce over dimension {d} of size 0 (input shape {x.Shape}); the operation has no identity.");
            }
        }
        var shape = new List<int>();
        for (int i = 0; i < x.Shape.Rank; i++)
        {
            if (!reduced[i]) shape.Add(x.Shape.Dims[i]);
            else if (keep) shape.Add(1);
        }
        return x with { Shape = Shape.Wrap(shape.ToArray()), DType = _outputDType ?? x.DType };
    }

    public override Tensor?[] Backward(GradContext context) =>
        _rule is null ? throw new MissingDerivativeRuleException(this) : [_rule(context)];

    /// <summary>The gradient (or any output-shaped tensor) reshaped with size-1 reduced dims, ready to broadcast against the input.</summary>
    public static Tensor KeepDims(Tensor g, GradContext c)
    {
        if (c.Attributes.Bool("keepdim")) return g;
        var shape = c.Inputs[0].Shape.ToArray();
        foreach (int d in c.Attributes.Ints("dims")) if (shape.Length > 0) shape[d] = 1;
        return g.Reshape(shape);
    }
}
