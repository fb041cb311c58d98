using Avalon.Primitives.Indexing;

namespace Avalon.Primitives.Views;

/// <summary>
/// split and unbind: one call that defines several views of its input along one dim (split's count
/// comes from its <c>sizes</c> attribute, unbind's from the size of the dim). Their rules join the
/// outputs' gradients back together (zeros for an output that received none): split's with cat,
/// unbind's with stack.
/// </summary>
[PrimitiveSet]
internal static class SplitPrimitives
{
    /// <summary>split(x; sizes, dim) -> one view per size: consecutive windows of those sizes along dim.</summary>
    public static readonly Primitive Split = new SplitPrimitive();

    /// <summary>unbind(x; dim) -> one view per index along dim, with dim removed.</summary>
    public static readonly Primitive Unbind = new UnbindPrimitive();

    private static readonly AttributeSchema SplitSchema = AttributeSchema.Of(
        AttributeSpec.Required("sizes", AttributeType.Ints),
        AttributeSpec.WithDefault("dim", AttributeType.Int, 0));

    private static readonly AttributeSchema UnbindSchema = AttributeSchema.Of(AttributeSpec.WithDefault("dim", AttributeType.Int, 0));

    private static int CheckDim(string op, TensorSpec x, int dim)
    {
        if (x.Shape.Rank == 0)
            throw OpErrors.Argument(op, $"expected a tensor with at least one dimension, got a 0-dimensional tensor.");
        if (dim < 0 || dim >= x.Shape.Rank)
            throw OpErrors.Argument(op, $"dim {dim} out of range for shape {x.Shape}.");
        return dim;
    }

    private sealed class SplitPrimitive : ViewPrimitive
    {
        public SplitPrimitive() : base("split") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => SplitSchema;

        public override int OutputCount => -1;

        public override int OutputCountFor(TensorSpec[] inputs, Attributes attributes) => attributes.Longs("sizes").Length;

        public override TensorSpec[] InferSpecs(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            int dim = CheckDim("split", x, attributes.Int("dim"));
            var sizes = attributes.Ints("sizes");
            if (sizes.Length == 0) throw OpErrors.Argument("split", $"expected at least one split size for input {x}.");
            long sum = 0;
            foreach (int s in sizes)
            {
                if (s < 0) throw OpErrors.Argument("split", $"split sizes must be non-negative, got [{string.Join(", ", sizes)}].");
                sum += s;
            }
            if (sum != x.Shape.Dims[dim])
                throw OpErrors.Argument(
                    "split", $"split sizes [{string.Join(", ", sizes)}] sum to {sum} but dimension {dim} of the input (shape {x.Shape}) has size {x.Shape.Dims[dim]}.");
            var specs = new TensorSpec[sizes.Length];
            for (int k = 0; k < sizes.Length; k++)
            {
                var shape = x.Shape.ToArray();
                shape[dim] = sizes[k];
                specs[k] = x with { Shape = Shape.Wrap(shape) };
            }
            return specs;
        }

        public override Tensor[] Views(Tensor[] inputs, Attributes attributes, TensorSpec[] outputs)
        {
            var x = inputs[0];
            int dim = attributes.Int("dim");
            var views = new Tensor[outputs.Length];
            int start = 0;
            for (int k = 0; k < views.Length; k++)
            {
                var shape = outputs[k].Shape.ToArray();
                views[k] = ViewPrimitives.SliceView(x, dim, start, 1, shape);
                start += shape[dim];
            }
            return views;
        }

        public override Tensor?[] Backward(GradContext c)
        {
            var grads = new Tensor[c.Outputs.Length];
            for (int k = 0; k < grads.Length; k++) grads[k] = c.GradOutputOrZeros(k);
            return [JoiningPrimitives.Cat.Invoke(Attributes.Of(("dim", c.Attributes.Int("dim"))), grads)];
        }
    }

    private sealed class UnbindPrimitive : ViewPrimitive
    {
        public UnbindPrimitive() : base("unbind") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => UnbindSchema;

        public override int OutputCount => -1;

        public override int OutputCountFor(TensorSpec[] inputs, Attributes attributes) => InferSpecs(inputs, attributes).Length;

        public override TensorSpec[] InferSpecs(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            int dim = CheckDim("unbind", x, attributes.Int("dim"));
            int count = x.Shape.Dims[dim];
            if (count == 0)
                throw OpErrors.Argument("unbind", $"dimension {dim} of the input (shape {x.Shape}) has size 0, so the call would define no values; Tensor.Unbind returns an empty array instead.");
            var shape = Shape.Wrap([.. x.Shape.Dims[..dim], .. x.Shape.Dims[(dim + 1)..]]);
            var specs = new TensorSpec[count];
            Array.Fill(specs, x with { Shape = shape });
            return specs;
        }

        public override Tensor[] Views(Tensor[] inputs, Attributes attributes, TensorSpec[] outputs)
        {
            var x = inputs[0];
            int dim = attributes.Int("dim");
            var shape = outputs[0].Shape.ToArray();
            var strides = new int[x.Rank - 1];
            for (int d = 0, j = 0; d < x.Rank; d++) if (d != dim) strides[j++] = x.StridesInternal[d];
            var views = new Tensor[outputs.Length];
            for (int k = 0; k < views.Length; k++)
                views[k] = x.ViewOf(shape, strides, x.Offset + k * x.StridesInternal[dim]);
            return views;
        }

        public override Tensor?[] Backward(GradContext c)
        {
            var grads = new Tensor[c.Outputs.Length];
            for (int k = 0; k < grads.Length; k++) grads[k] = c.GradOutputOrZeros(k);
            return [Tensor.Stack(grads, c.Attributes.Int("dim"))];
        }
    }
}
