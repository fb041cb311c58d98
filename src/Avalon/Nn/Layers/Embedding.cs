using System.Globalization;
using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>
/// A lookup table of learned vectors, one row per index (PyTorch's <c>nn.Embedding</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input: indices, int64 or int32, any shape <c>[*]</c>; output <c>[*, embedding_dim]</c>.</para>
/// <para><b>Initialisation</b> (as PyTorch): N(0, 1), with the row <c>padding_idx</c> zeroed. That row
/// gets no gradient, so it stays a fixed "padding" vector.</para>
/// </remarks>
public class Embedding : Module
{
    /// <summary>Creates the table and initialises it with <see cref="ResetParameters"/>.</summary>
    /// <param name="numEmbeddings">The number of rows (the vocabulary size).</param>
    /// <param name="embeddingDim">The size of each vector.</param>
    /// <param name="paddingIdx">A row that is zero initially and gets no gradient (negative counts from the end), or null.</param>
    /// <param name="dtype">The weight's dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    public Embedding(int numEmbeddings, int embeddingDim, int? paddingIdx = null, DType? dtype = null, Generator? generator = null)
    {
        if (numEmbeddings < 0 || embeddingDim < 0)
            throw OpErrors.Argument("Embedding", $"num_embeddings and embedding_dim must be non-negative, got {numEmbeddings} and {embeddingDim}.");
        NumEmbeddings = numEmbeddings;
        EmbeddingDim = embeddingDim;
        int pad = NormalizePaddingIdx(paddingIdx, numEmbeddings, "Embedding");
        PaddingIdx = pad < 0 ? null : pad;
        Weight = Tensor.Zeros([numEmbeddings, embeddingDim], dtype ?? Tensor.DefaultDType).RequiresGrad_();
        ResetParameters(generator);
    }

    /// <summary>
    /// A layer holding <paramref name="embeddings"/> (a copy) as its weight (PyTorch's <c>from_pretrained</c>).
    /// </summary>
    /// <param name="embeddings">The table, shape <c>[num_embeddings, embedding_dim]</c>.</param>
    /// <param name="freeze">When true (default) the weight does not require gradients.</param>
    /// <param name="paddingIdx">A row that gets no gradient, or null. Its values are kept.</param>
    public static Embedding FromPretrained(Tensor embeddings, bool freeze = true, int? paddingIdx = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Rank != 2)
            throw OpErrors.Argument("Embedding.FromPretrained", $"expected a 2-D table (num_embeddings, embedding_dim), got shape {embeddings.Shape}.");
        var layer = new Embedding(embeddings.Size(0), embeddings.Size(1), paddingIdx, embeddings.DType, new Generator(0));
        layer.Weight.CopyFrom_(embeddings);
        layer.Weight.RequiresGrad = !freeze;
        return layer;
    }

    /// <summary>The number of rows.</summary>
    public int NumEmbeddings { get; }

    /// <summary>The size of each vector.</summary>
    public int EmbeddingDim { get; }

    /// <summary>The padding row (normalised to be non-negative), or null.</summary>
    public int? PaddingIdx { get; }

    /// <summary>The table, shape <c>[num_embeddings, embedding_dim]</c>.</summary>
    public Tensor Weight { get; set; }

    /// <summary>Draws a fresh table from N(0, 1) and zeroes the padding row.</summary>
    public void ResetParameters(Generator? generator = null)
    {
        Init.Normal_(Weight, 0, 1, generator);
        if (PaddingIdx is { } p)
        {
            var strides = Weight.StridesInternal;
            Weight.ViewOf([EmbeddingDim], [strides[1]], Weight.Offset + p * strides[0]).FillNoRecord(0);
        }
    }

    /// <summary>Looks up the rows of <paramref name="input"/>.</summary>
    /// <param name="input">Indices, shape <c>[*]</c>.</param>
    /// <returns>Shape <c>[*, embedding_dim]</c>.</returns>
    public override Tensor Forward(Tensor input) => Embedding(input, Weight, PaddingIdx);

    /// <inheritdoc />
    public override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture, $"{NumEmbeddings}, {EmbeddingDim}") +
        (PaddingIdx is { } p ? string.Create(CultureInfo.InvariantCulture, $", padding_idx={p}") : "");
}
