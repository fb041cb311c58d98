namespace Avalon.Primitives.Indexing;

/// <summary>
/// flip and roll: permutations of the elements along some dims (copies, not views). Each is its own
/// rule's building block: flip undoes itself and roll is undone by rolling back.
/// </summary>
[PrimitiveSet]
internal static class ReorderPrimitives
{
    /// <summary>flip(x; dims): reverse the order along each of dims (normalised, distinct).</summary>
    public static readonly Primitive Flip = new FlipPrimitive();

    /// <summary>roll(x; shifts): shifts[d] ∈ [0, size d) per dim, elements leaving the end re-enter at the start.</summary>
    public static readonly Primitive Roll = new RollPrimitive();

    private sealed class FlipPrimitive : Primitive
    {
        private static readonly AttributeSchema FlipSchema = AttributeSchema.Of(AttributeSpec.Required("dims", AttributeType.Ints));

        public FlipPrimitive() : base("flip") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => FlipSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            var dims = attributes.Ints("dims");
            var seen = new bool[x.Shape.Rank];
            foreach (int d in dims)
            {
                if (d < 0 || d >= x.Shape.Rank || seen[d])
                    throw OpErrors.Argument("flip", $"dims [{string.Join(", ", dims)}] must be distinct dims of the input {x}.");
                seen[d] = true;
            }
            return x;
        }

        public override Tensor?[] Backward(GradContext c) => [Flip.Invoke(c.Attributes, c.GradOutput)];
    }

    private sealed class RollPrimitive : Primitive
    {
        private static readonly AttributeSchema RollSchema = AttributeSchema.Of(AttributeSpec.Required("shifts", AttributeType.Ints));

        public RollPrimitive() : base("roll") { }

        /// <inheritdoc />
        public override IReadOnlyList<string> InputNames { get; } = ["input"];

        public override AttributeSchema? Schema => RollSchema;

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            var shifts = attributes.Ints("shifts");
            if (shifts.Length != x.Shape.Rank)
                throw OpErrors.Argument("roll", $"expected one shift per dim of the input {x}, got [{string.Join(", ", shifts)}].");
            for (int d = 0; d < shifts.Length; d++)
                if (shifts[d] < 0 || shifts[d] > 0 && shifts[d] >= x.Shape.Dims[d])
                    throw OpErrors.Argument("roll", $"shift {shifts[d]} of dim {d} must lie in [0, {x.Shape.Dims[d]}) for the input {x}.");
            return x;
        }

        public override Tensor?[] Backward(GradContext c)
        {
            var shifts = c.Attributes.Ints("shifts");
            var back = new int[shifts.Length];
            for (int d = 0; d < shifts.Length; d++) back[d] = shifts[d] == 0 ? 0 : c.Inputs[0].Shape.Dims[d] - shifts[d];
            return [Roll.Invoke(Attributes.Of(("shifts", back)), c.GradOutput)];
        }
    }
}
