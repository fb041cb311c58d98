using Avalon.Nn;
using Avalon.Tests.Primitives.GradCheck;

namespace Avalon.Tests.Nn;

/// <summary>Finite-difference checks of the embedding and embedding_backward rules (first and second order).</summary>
public sealed class EmbeddingGradCases : IGradCheckCases
{
    private static Tensor R(ulong seed, params int[] shape) => Tensor.Randn(shape, new Generator(seed), DType.Float64);

    public IEnumerable<GradCheckCase> Cases()
    {
        var indices = Tensor.From(new long[] { 0, 2, 2, 4, 1, 0 }, 2, 3);
        yield return new("embedding", "repeated indices [2,3] into [5,4]",
            x => Functional.Embedding(indices, x[0]) * x[1], [R(1, 5, 4), R(2, 2, 3, 4)]);
        // The weight's gradient is embedding_backward; squaring the output makes the second-order check
        // differentiate embedding_backward itself (its rule is a masked embedding).
        yield return new("embedding_backward", "through the second order of embedding with padding",
            x => Functional.Embedding(indices, x[0], paddingIdx: 3) * Functional.Embedding(indices, x[0], paddingIdx: 3), [R(3, 5, 2)]);
    }
}
