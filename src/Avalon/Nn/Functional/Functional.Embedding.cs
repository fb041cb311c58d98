using Avalon.Primitives;
using Avalon.Primitives.Nn;

namespace Avalon.Nn;

public static partial class Functional
{
    /// <summary>
    /// Looks up rows of <paramref name="weight"/> (PyTorch's <c>F.embedding</c>): the output holds row
    /// <c>input[i]</c> for every index <c>i</c>. The gradient of the weight adds up the gradients of the
    /// rows each index selected; the row <paramref name="paddingIdx"/> gets no gradient.
    /// </summary>
    /// <param name="input">Indices, int64 or int32, any shape <c>[*]</c>, each in [0, num_embeddings).</param>
    /// <param name="weight">The table, shape <c>[num_embeddings, embedding_dim]</c>.</param>
    /// <param name="paddingIdx">A row excluded from gradient updates (negative counts from the end), or null.</param>
    /// <returns>Shape <c>[*, embedding_dim]</c>.</returns>
    /// <exception cref="ArgumentException">Bad shapes or dtypes, or a padding index out of range.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An index is outside [0, num_embeddings).</exception>
    public static Tensor Embedding(Tensor input, Tensor weight, int? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Rank != 2)
            throw OpErrors.Argument("embedding", $"expected a weight of rank 2 (num_embeddings, embedding_dim), got shape {weight.Shape}.");
        int pad = NormalizePaddingIdx(paddingIdx, weight.Size(0), "embedding");
        return EmbeddingPrimitives.Embedding.Invoke(Attributes.Of(("padding_idx", pad), ("mask_padding", false)), weight, input);
    }

    /// <summary>A padding index in [0, num) (negative counts from the end), or -1 for none.</summary>
    internal static int NormalizePaddingIdx(int? paddingIdx, int num, string op)
    {
        if (paddingIdx is not { } p) return -1;
        if (p >= num || p < -num)
            throw OpErrors.Argument(op, $"padding_idx must be within num_embeddings ({num}), i.e. in [-{num}, {num}), got {p}.");
        return p < 0 ? p + num : p;
    }
}
