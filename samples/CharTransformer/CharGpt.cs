using Avalon.Nn;

namespace Avalon.Samples.CharTransformer;

/// <summary>
/// A small decoder-only character Transformer: token and learned position embeddings, pre-norm
/// <see cref="TransformerEncoderLayer"/>s under a causal mask (each position sees itself and the past), a
/// final layer norm and a linear head to the vocabulary.
/// </summary>
public sealed class CharGpt : Module
{
    /// <summary>Creates the model.</summary>
    public CharGpt(int vocabulary, int context = 64, int dModel = 128, int heads = 4, int layers = 2)
    {
        Context = context;
        TokenEmbedding = new Embedding(vocabulary, dModel);
        PositionEmbedding = new Embedding(context, dModel);
        Blocks = new TransformerEncoder(
            new TransformerEncoderLayer(dModel, heads, dimFeedforward: 4 * dModel, dropout: 0.1, activation: "gelu", batchFirst: true, normFirst: true),
            layers);
        Norm = new LayerNorm(dModel);
        Head = new Linear(dModel, vocabulary);
    }

    /// <summary>The longest input the position embedding covers.</summary>
    public int Context { get; }

    /// <summary>Character embeddings.</summary>
    public Embedding TokenEmbedding;

    /// <summary>Learned position embeddings.</summary>
    public Embedding PositionEmbedding;

    /// <summary>The causal self-attention blocks.</summary>
    public TransformerEncoder Blocks;

    /// <summary>The final layer norm.</summary>
    public LayerNorm Norm;

    /// <summary>Hidden state → next-character logits.</summary>
    public Linear Head;

    /// <summary>Logits <c>[B, T, vocabulary]</c> of the next character after each position of codes <c>[B, T]</c>, T ≤ <see cref="Context"/>.</summary>
    public override Tensor Forward(Tensor input)
    {
        int t = input.Size(1);
        if (t > Context) throw new ArgumentException($"CharGpt: sequence of {t} characters is longer than the context of {Context}.");
        var positions = Tensor.Arange(0L, t).Unsqueeze(0);
        var x = TokenEmbedding.Forward(input) + PositionEmbedding.Forward(positions);
        var causal = Transformer.GenerateSquareSubsequentMask(t);
        return Head.Forward(Norm.Forward(Blocks.Forward(x, causal, null)));
    }
}
