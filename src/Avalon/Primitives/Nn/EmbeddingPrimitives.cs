namespace Avalon.Primitives.Nn;

/// <summary>
/// embedding(weight, indices): looks up rows of a weight matrix, and embedding_backward, its gradient
/// with respect to the weight (a scatter-add that skips <c>padding_idx</c>). Each is the other's
/// derivative, so gradients of gradients work.
/// </summary>
[PrimitiveSet]
internal static class EmbeddingPrimitives
{
    // Declared before the primitives, which the static initialiser creates in textual order.
    private static readonly AttributeSchema s_embedding = AttributeSchema.Of(
        AttributeSpec.WithDefault("padding_idx", AttributeType.Int, -1),
        AttributeSpec.WithDefault("mask_padding", AttributeType.Bool, false));

    private static readonly AttributeSchema s_backward = AttributeSchema.Of(
        AttributeSpec.Required("num_weights", AttributeType.Int),
        AttributeSpec.WithDefault("padding_idx", AttributeType.Int, -1));

    /// <summary>
    /// Attributes: <c>padding_idx</c> (int, -1 for none; its rows get no gradient) and
    /// <c>mask_padding</c> (bool; also zero the output rows of <c>padding_idx</c>, as the derivative of
    /// embedding_backward needs).
    /// </summary>
    public static readonly Primitive Embedding = new EmbeddingPrimitive();

    /// <summary>Attributes: <c>num_weights</c> (int) and <c>padding_idx</c> (int, -1 for none).</summary>
    public static readonly Primitive EmbeddingBackward = new EmbeddingBackwardPrimitive();

    private sealed class EmbeddingPrimitive : Primitive
    {
        public EmbeddingPrimitive() : base("embedding") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["weight", "indices"];

        public override AttributeSchema Schema => s_embedding;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var (weight, indices) = (inputs[0], inputs[1]);
            if (weight.Shape.Rank != 2 || !weight.DType.IsFloatingPoint())
                throw OpErrors.Argument("embedding", $"expected a floating-point weight of rank 2 (num_embeddings, embedding_dim), got {weight}.");
            CheckIndices(indices, "embedding");
            return weight with { Shape = Shape.Wrap([.. indices.Shape.Dims, weight.Shape[1]]) };
        }

        public override Tensor?[] Backward(GradContext c) =>
        [
            c.NeedsInputGrad[0]
                ? EmbeddingBackward.Invoke(
                    Attributes.Of(("num_weights", c.Inputs[0].Size(0)), ("padding_idx", c.Attributes.Int("padding_idx"))),
                    c.GradOutput, c.Inputs[1])
                : null,
            null,
        ];
    }

    private sealed class EmbeddingBackwardPrimitive : Primitive
    {
        public EmbeddingBackwardPrimitive() : base("embedding_backward") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["grad_output", "indices"];

        public override AttributeSchema Schema => s_backward;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var (grad, indices) = (inputs[0], inputs[1]);
            CheckIndices(indices, "embedding_backward");
            if (!grad.DType.IsFloatingPoint() || grad.Shape.Rank != indices.Shape.Rank + 1
                || !grad.Shape.Dims.AsSpan(0, indices.Shape.Rank).SequenceEqual(indices.Shape.Dims))
                throw OpErrors.Argument("embedding_backward", $"expected a floating-point gradient of shape indices.shape + [embedding_dim] = {indices.Shape} + [d], got {grad}.");
            int numWeights = attributes.Int("num_weights");
            if (numWeights < 0) throw OpErrors.Argument("embedding_backward", $"num_weights must be non-negative, got {numWeights}.");
            return grad with { Shape = Shape.Wrap([numWeights, grad.Shape[-1]]) };
        }

        public override Tensor?[] Backward(GradContext c) =>
        [
            c.NeedsInputGrad[0]
                ? Embedding.Invoke(Attributes.Of(("padding_idx", c.Attributes.Int("padding_idx")), ("mask_padding", true)),
                    c.GradOutput, c.Inputs[1])
                : null,
            null,
        ];
    }

    private static void CheckIndices(TensorSpec indices, string op)
    {
        if (indices.DType is not (DType.Int64 or DType.Int32))
            throw OpErrors.Argument(op, $"expected indices of dtype int64 or int32, got {indices}.");
    }
}
