using Avalon.Backends.Cpu.Indexing;

namespace Avalon.Primitives.Indexing;

/// <summary>tril / triu over the last two dims; the gradient goes through the same mask.</summary>
[PrimitiveSet]
internal static class TriangularPrimitives
{
    /// <summary>tril(x; diagonal).</summary>
    public static readonly Primitive Tril = new TriangularPrimitive("tril", TriangularKernel.Lower);

    /// <summary>triu(x; diagonal).</summary>
    public static readonly Primitive Triu = new TriangularPrimitive("triu", TriangularKernel.Upper);

    private sealed class TriangularPrimitive : Primitive
    {
        public TriangularPrimitive(string name, ReturningKernel kernel) : base(name) => RegisterReturningKernel(DeviceType.Cpu, kernel);

        public override TensorSpec InferSpec(TensorSpec[] inputs, Attributes attributes)
        {
            var x = inputs[0];
            if (x.Shape.Rank < 2)
                throw new ArgumentException($"{Name}: input tensor must have at least 2 dimensions, got {x}.");
            return x;
        }

        public override Tensor?[] Backward(GradContext c) => [Invoke(c.Attributes, c.GradOutput)];
    }
}
