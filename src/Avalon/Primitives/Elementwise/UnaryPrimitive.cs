namespace Avalon.Primitives.Elementwise;

/// <summary>
/// An elementwise primitive of one tensor; the output has the input's shape (and dtype unless given).
/// It takes the attributes of its schema (none by default); backends register its kernels.
/// </summary>
internal sealed class UnaryPrimitive : Primitive
{
    private readonly Func<GradContext, Tensor?>? _rule;
    private readonly bool _floatOnly;
    private readonly DType? _outputDType;
    private readonly bool _boolOnly;
    private readonly AttributeSchema _schema;

    public UnaryPrimitive(string name, Func<GradContext, Tensor?>? rule, bool floatOnly = true, DType? outputDType = null,
        bool boolOnly = false, AttributeSchema? schema = null)
        : base(name)
    {
        _rule = rule;
        _floatOnly = floatOnly;
        _outputDType = outputDType;
        _boolOnly = boolOnly;
        _schema = schema ?? AttributeSchema.None;
    }

    public override bool IsDifferentiable => _rule is not null;

    public override AttributeSchema? Schema => _schema;

    public override IReadOnlyList<string> InputNames { get; } = ["input"];

    public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length != 1) throw OpErrors.Argument(Name, $"expected 1 input, got {inputs.Length}.");
        var x = inputs[0];
        if (_floatOnly && !x.DType.IsFloatingPoint())
            throw OpErrors.Argument(Name, $"expected a floating-point tensor, got {x}. Convert with .To(DType.Float32).");
        if (_boolOnly && x.DType != DType.Bool)
            throw OpErrors.Argument(Name, $"expected a bool tensor, got {x}. Make bool tensors with a comparison (e.g. x.Ne(0)) or .To(DType.Bool).");
        if (x.DType == DType.Bool && _outputDType is null)
            throw OpErrors.Argument(Name, $"not defined for bool tensors (got {x}).");
        return x with { DType = _outputDType ?? x.DType };
    }

    public override Tensor?[] Backward(GradContext context) =>
        _rule is null ? throw new MissingDerivativeRuleException(this) : [_rule(context)];
}
