using Avalon.Compiler.CodeGen;
using Avalon.Primitives;

namespace Avalon.Compiler.Fusion;

/// <summary>
/// The primitive of one fused group of elementwise calls, made by <see cref="ElementwiseFusion"/>: it
/// computes <see cref="Expression"/> of its inputs (broadcast together, like the calls it replaces)
/// into one dense output, with a CPU kernel generated at run time (<see cref="FusedKernelCache"/>). It
/// is not registered by name (there is one per group, all named <c>fused_elementwise</c>), and has no
/// derivative rule: fusion runs on tapes that already contain their backward calls.
/// </summary>
public sealed class FusedElementwisePrimitive : Primitive
{
    /// <summary>The name every fused call prints under.</summary>
    public const string PrimitiveName = "fused_elementwise";

    private static readonly AttributeSchema s_schema = AttributeSchema.Of(AttributeSpec.OptionalOf("expr", AttributeType.String));

    /// <summary>The name of a fused call that writes its result over one of its inputs.</summary>
    public const string InPlaceName = "fused_elementwise_";

    /// <summary>Creates the primitive of <paramref name="expression"/> with its generated CPU kernel.</summary>
    public FusedElementwisePrimitive(FusedExpression expression) : this(expression, -1)
    {
    }

    /// <summary>
    /// Creates the primitive of <paramref name="expression"/>; with <paramref name="writesOver"/> ≥ 0 it
    /// writes its result over that input (which must have the result's shape and dtype and be dense) and
    /// declares so in its <see cref="Effects"/>.
    /// </summary>
    public FusedElementwisePrimitive(FusedExpression expression, int writesOver)
        : base(writesOver >= 0 ? InPlaceName : PrimitiveName, PrimitiveRegistration.Unregistered)
    {
        ArgumentNullException.ThrowIfNull(expression);
        if (writesOver >= expression.InputCount || (writesOver >= 0 && expression.InputIsMask(writesOver)))
            throw OpErrors.Argument(PrimitiveName, $"cannot write over input {writesOver} of {expression}: it has {expression.InputCount} inputs and masks cannot hold the result.", nameof(writesOver));
        Expression = expression;
        WritesOver = writesOver;
        Effects = writesOver >= 0 ? PrimitiveEffects.Mutates(writesOver) : PrimitiveEffects.Pure;
        RegisterKernel(DeviceType.Cpu, RunCpu);
    }

    /// <summary>The input the result is written over, or -1 for a fresh output.</summary>
    public int WritesOver { get; }

    /// <inheritdoc />
    public override PrimitiveEffects Effects { get; }

    /// <summary>What the call computes.</summary>
    public FusedExpression Expression { get; }

    /// <summary>Compiler-made, not user code.</summary>
    public override bool IsUserDefined => false;

    /// <summary>An optional <c>expr</c> string: the formula, for printing only.</summary>
    public override AttributeSchema? Schema => s_schema;

    /// <summary>No rule reads inputs (there is no rule).</summary>
    public override bool RuleReadsInput(int index) => false;

    /// <inheritdoc />
    public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
    {
        if (inputs.Length != Expression.InputCount)
            throw new ArgumentException($"{Name}: expected {Expression.InputCount} inputs for {Expression}, got {inputs.Length}.");
        var shape = inputs.Length == 0 ? [] : inputs[0].Shape.Dims;
        for (int i = 0; i < inputs.Length; i++)
        {
            var expected = Expression.InputIsMask(i) ? DType.Bool : Expression.ElementType;
            if (inputs[i].DType != expected)
                throw new ArgumentException($"{Name}: input {i} of {Expression} must be {expected.Name()}, got {inputs[i]}.");
            if (i > 0) shape = ShapeUtil.Broadcast(shape, inputs[i].Shape.Dims, Name);
        }
        return new TensorSpec(Shape.Wrap(shape), Expression.ElementType, inputs.Length == 0 ? Device.Cpu : inputs[0].Device);
    }

    /// <summary>Always throws: a fused call has no derivative rule.</summary>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Tensor?[] Backward(GradContext context) => throw new NotSupportedException(
        $"{Name} ({Expression}) has no derivative rule: elementwise fusion runs on tapes that already contain their backward calls. " +
        "Differentiate the unfused tape (or the function) instead, then compile the result.");

    /// <summary>The kernel this call runs for a given input layout on this machine (generating it on first use).</summary>
    public FusedKernel GeneratedKernelFor(params Tensor[] inputs)
    {
        var spec = InferSpec(Array.ConvertAll(inputs, x => x.Spec), Attributes.Empty);
        return FusedKernelCache.Get(Expression, FusedLayout.Of(inputs, spec.Shape.Dims, Expression.ElementType), VectorWidths.Best);
    }

    // The call prepared for the tensors of the last run: a planned executor passes the same tensors every
    // run, which then reuse it and allocate nothing. Replaced (never mutated) when other tensors come.
    private volatile FusedCall? _last;

    private void RunCpu(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var output = outputs[0];
        if (output.Numel == 0) return;
        var call = _last;
        if (call is null || !call.Matches(inputs, output)) _last = call = FusedCall.Prepare(Expression, inputs, output);
        call.Run();
    }
}
