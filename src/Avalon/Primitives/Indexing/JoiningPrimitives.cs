namespace Avalon.Primitives.Indexing;

/// <summary>cat: joins any number of tensors along an existing dim; its rule slices the gradient back apart.</summary>
[PrimitiveSet]
internal static class JoiningPrimitives
{
    /// <summary>cat(x0, x1, ...; dim): the inputs one after another along dim.</summary>
    public static readonly Primitive Cat = new CatPrimitive();

    private sealed class CatPrimitive : Primitive
    {
        private static readonly AttributeSchema CatSchema = AttributeSchema.Of(AttributeSpec.WithDefault("dim", AttributeType.Int, 0));

        public CatPrimitive() : base("cat") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["tensors..."];

        public override AttributeSchema? Schema => CatSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            if (inputs.Length == 0) throw OpErrors.Argument("cat", "expected a non-empty list of tensors.");
            int dim = attributes.Int("dim");
            var first = inputs[0];
            int rank = first.Shape.Rank;
            if (rank == 0) throw OpErrors.Argument("cat", $"zero-dimensional tensor (at position 0, {first}) cannot be concatenated; unsqueeze it or use stack.");
            if (dim < 0 || dim >= rank) throw OpErrors.Argument("cat", $"dim {dim} out of range for tensors of rank {rank} (first input {first}).");
            var shape = first.Shape.ToArray();
            long total = 0;
            for (int i = 0; i < inputs.Length; i++)
            {
                var x = inputs[i];
                if (x.DType != first.DType)
                    throw OpErrors.Argument(
                        "cat", $"expected all tensors to have the same dtype, but input 0 is {first} and input {i} is {x}. Convert with .To(DType.{first.DType}).");
                if (x.Shape.Rank != rank)
                    throw OpErrors.Argument(
                        "cat", $"tensors must have the same number of dimensions: input 0 is {first} (rank {rank}) but input {i} is {x} (rank {x.Shape.Rank}).");
                for (int d = 0; d < rank; d++)
                    if (d != dim && x.Shape.Dims[d] != shape[d])
                        throw OpErrors.Argument(
                            "cat", $"sizes of tensors must match except in dimension {dim}: expected size {shape[d]} but got size {x.Shape.Dims[d]} for input {i} at dimension {d} (input 0 {first.Shape}, input {i} {x.Shape}).");
                total += x.Shape.Dims[dim];
            }
            shape[dim] = checked((int)total);
            return first with { Shape = Shape.Wrap(shape) };
        }

        public override Tensor?[] Backward(GradContext c)
        {
            int dim = c.Attributes.Int("dim");
            var grads = new Tensor?[c.Inputs.Length];
            int start = 0;
            for (int i = 0; i < grads.Length; i++)
            {
                int size = c.Inputs[i].Shape.Dims[dim];
                if (c.NeedsInputGrad[i]) grads[i] = c.GradOutput.Slice(dim, start, start + size);
                start += size;
            }
            return grads;
        }
    }
}
