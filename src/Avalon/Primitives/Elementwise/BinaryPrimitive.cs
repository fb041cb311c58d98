namespace Avalon.Primitives.Elementwise;

/// <summary>
/// An elementwise primitive of two tensors with NumPy broadcasting. Both inputs must have the same
/// dtype (nothing is cast silently). The rule maps (context) to the two input gradients before
/// un-broadcasting; <see cref="GradHelpers.SumToShape"/> is applied here so rules stay one line. It takes
/// no attributes; backends register its kernels.
/// </summary>
internal sealed class BinaryPrimitive : Primitive
{
    private readonly Func<GradContext, (Tensor? A, Tensor? B)>? _rule;
    private readonly DType? _outputDType;
    private readonly bool _floatOnly;
    private readonly bool _boolOnly;

    private readonly bool _ruleReadsInputs;

    /// <param name="name">The primitive's name.</param>
    /// <param name="rule">The rule before un-broadcasting, or null when not differentiable.</param>
    /// <param name="outputDType">The output dtype when it is not the inputs'.</param>
    /// <param name="floatOnly">Only floating-point inputs.</param>
    /// <param name="boolOnly">Only bool inputs.</param>
    /// <param name="ruleReadsInputs">False when the rule needs only the shapes (add, sub), so in-place updates of the inputs stay legal.</param>
    /// <param name="inputNames">The two inputs' names as PyTorch's signature gives them (input, other unless given).</param>
    public BinaryPrimitive(string name, Func<GradContext, (Tensor? A, Tensor? B)>? rule,
        DType? outputDType = null, bool floatOnly = false, bool boolOnly = false, bool ruleReadsInputs = true,
        string[]? inputNames = null) : base(name)
    {
        InputNames = inputNames ?? ["input", "other"];
        _ruleReadsInputs = ruleReadsInputs;
        _rule = rule;
        _outputDType = outputDType;
        _floatOnly = floatOnly;
        _boolOnly = boolOnly;
    }

    public override bool IsDifferentiable => _rule is not null;

    public override bool RuleReadsInput(int index) => _ruleReadsInputs;

    public override AttributeSchema? Schema => AttributeSchema.None;

    public override IReadOnlyList<string> InputNames { get; }

    public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length != 2) throw OpErrors.Argument(Name, $"expected 2 inputs, got {inputs.Length}.");
        var (a, b) = (inputs[0], inputs[1]);
        if (a.DType != b.DType)
            throw OpErrors.Argument(
                Name, $"expected both inputs to have the same dtype, but got {a.DType.Name()}{a.Shape} and {b.DType.Name()}{b.Shape}. Convert one with .To(DType.{b.DType}) or .To(DType.{a.DType}).");
        if (_floatOnly && !a.DType.IsFloatingPoint())
            throw OpErrors.Argument(Name, $"expected floating-point inputs, got {a.DType.Name()}. Convert with .To(DType.Float32).");
        if (_boolOnly && a.DType != DType.Bool)
            throw OpErrors.Argument(Name, $"expected bool inputs, got {a.DType.Name()}{a.Shape} and {b.DType.Name()}{b.Shape}. Make bool tensors with a comparison (e.g. x.Ne(0)) or .To(DType.Bool).");
        var shape = ShapeUtil.Broadcast(a.Shape.Dims, b.Shape.Dims, Name);
        return new TensorSpec(Shape.Wrap(shape), _outputDType ?? a.DType, a.Device);
    }

    public override Tensor?[] Backward(GradContext context)
    {
        if (_rule is null) throw new MissingDerivativeRuleException(this);
        var (ga, gb) = _rule(context);
        var a = context.Inputs[0];
        var b = context.Inputs[1];
        return
        [
            ga is null || !context.NeedsInputGrad[0] ? null : GradHelpers.SumToShape(ga, a.Shape),
            gb is null || !context.NeedsInputGrad[1] ? null : GradHelpers.SumToShape(gb, b.Shape),
        ];
    }
}
