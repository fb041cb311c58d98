namespace Avalon.Primitives.Linalg;

/// <summary>
/// matmul(a, b): batched matrix product of operands of rank ≥ 2 with broadcasting batch dims
/// (1-D operands are handled by <see cref="Tensor.MatMul"/> around this primitive).
/// </summary>
[PrimitiveSet]
internal static class MatMulPrimitives
{
    public static readonly Primitive MatMul = new MatMulPrimitive();

    private sealed class MatMulPrimitive : Primitive
    {
        public MatMulPrimitive() : base("matmul") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input", "other"];

        public override AttributeSchema? Schema => AttributeSchema.None;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var (a, b) = (inputs[0], inputs[1]);
            if (a.DType != b.DType)
                throw OpErrors.Argument("matmul", $"expected both operands to have the same dtype, got {a} and {b}.");
            if (!a.DType.IsFloatingPoint())
                throw OpErrors.Argument("matmul", $"expected floating-point operands, got {a} and {b}.");
            if (a.Shape.Rank < 2 || b.Shape.Rank < 2)
                throw OpErrors.Argument("matmul", $"the primitive expects operands of rank ≥ 2, got {a} and {b}.");
            if (a.Shape[-1] != b.Shape[-2])
                throw OpErrors.Argument(
                    "matmul", $"shapes {a.Shape} and {b.Shape} cannot be multiplied ({a.Shape[-2]}x{a.Shape[-1]} and {b.Shape[-2]}x{b.Shape[-1]}): the last dim of the first ({a.Shape[-1]}) must equal the second-to-last dim of the second ({b.Shape[-2]}).");
            var batch = ShapeUtil.Broadcast(a.Shape.Dims[..^2], b.Shape.Dims[..^2], "matmul");
            return a with { Shape = Shape.Wrap([.. batch, a.Shape[-2], b.Shape[-1]]) };
        }

        public override Tensor?[] Backward(GradContext c)
        {
            var (a, b, g) = (c.Inputs[0], c.Inputs[1], c.GradOutput);
            return
            [
                c.NeedsInputGrad[0] ? GradHelpers.SumToShape(MatMul.Invoke(Attributes.Empty, g, b.MT), a.Shape) : null,
                c.NeedsInputGrad[1] ? GradHelpers.SumToShape(MatMul.Invoke(Attributes.Empty, a.MT, g), b.Shape) : null,
            ];
        }
    }
}
