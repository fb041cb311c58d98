namespace Avalon.Primitives.Reduction;

/// <summary>Which input dtypes a reduction accepts.</summary>
internal enum ReductionInputs
{
    /// <summary>Every dtype (the kernel decides).</summary>
    Any,
    /// <summary>Float and integer dtypes, not bool.</summary>
    Numeric,
    /// <summary>Floating-point dtypes only.</summary>
    FloatingPoint,
}

/// <summary>
/// A reduction over a set of dims (attribute <c>dims</c>, normalised and sorted; <c>keepdim</c>).
/// The output keeps size-1 dims where reduced when keepdim is true. Backends register its kernels.
/// </summary>
internal sealed class ReductionPrimitive : Primitive
{
    private readonly Func<GradContext, Tensor?>? _rule;
    private readonly DType? _outputDType;
    private readonly bool _allowEmpty;
    private readonly ReductionInputs _inputs;
    private readonly AttributeSchema _schema;

    /// <summary><c>dims</c> (normalised, sorted; required) and <c>keepdim</c> (false unless given): what every reduction takes.</summary>
    public static readonly AttributeSchema DimsSchema = AttributeSchema.Of(
        AttributeSpec.Required("dims", AttributeType.Ints),
        AttributeSpec.WithDefault("keepdim", AttributeType.Bool, false));

    public ReductionPrimitive(string name, Func<GradContext, Tensor?>? rule, DType? outputDType = null, bool allowEmpty = true,
        ReductionInputs inputs = ReductionInputs.Any, AttributeSchema? schema = null)
        : base(name)
    {
        _rule = rule;
        _outputDType = outputDType;
        _allowEmpty = allowEmpty;
        _inputs = inputs;
        _schema = schema ?? DimsSchema;
    }

    public override bool IsDifferentiable => _rule is not null;

    public override AttributeSchema? Schema => _schema;

    public override IReadOnlyList<string> InputNames { get; } = ["input"];

    public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
    {
        var x = inputs[0];
        if (_inputs == ReductionInputs.FloatingPoint && !x.DType.IsFloatingPoint())
            throw OpErrors.Argument(Name, $"expected a floating-point tensor, got {x}. Convert with .To(DType.Float32).");
        if (_inputs == ReductionInputs.Numeric && x.DType == DType.Bool)
            throw OpErrors.Argument(Name, $"not implemented for bool tensors (got {x}). Convert with .To(DType.Int64) first.");
        var dims = attributes.Ints("dims");
        var reduced = new bool[x.Shape.Rank];
        foreach (int d in dims)
        {
            if (d < 0 || d >= Math.Max(x.Shape.Rank, 1))
                throw OpErrors.Argument(Name, $"dim {d} out of range for input of shape {x.Shape}.");
            if (x.Shape.Rank > 0)
            {
                reduced[d] = true;
                if (!_allowEmpty && x.Shape.Dims[d] == 0)
                    throw new ArgumentException(dims.Length == x.Shape.Rank
                        ? $"{Name}: cannot reduce a tensor with no elements (input shape {x.Shape}) over all its dims: the operation has no identity."
                        : $"{Name}: cannot reduce over dimension {d} of size 0 (input shape {x.Shape}): the operation has no identity.");
            }
        }
        bool keep = attributes.Bool("keepdim");
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

    /// <summary>The number of elements each output element reduces.</summary>
    public static int GroupSize(GradContext c)
    {
        var shape = c.Inputs[0].Shape;
        int n = 1;
        if (shape.Rank > 0) foreach (int d in c.Attributes.Ints("dims")) n *= shape[d];
        return n;
    }
}
