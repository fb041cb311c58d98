using Avalon.Nn;

namespace Avalon.Samples.LstmLanguageModel;

/// <summary>A character-level LSTM language model: embedding → LSTM (batch first) → linear to the vocabulary.</summary>
public sealed class CharLstm : Module
{
    /// <summary>Creates the model for a vocabulary of <paramref name="vocabulary"/> characters.</summary>
    public CharLstm(int vocabulary, int embedding = 64, int hidden = 256, int layers = 1)
    {
        Embedding = new Embedding(vocabulary, embedding);
        Lstm = new LSTM(embedding, hidden, numLayers: layers, batchFirst: true);
        Head = new Linear(hidden, vocabulary);
    }

    /// <summary>Character embeddings.</summary>
    public Embedding Embedding;

    /// <summary>The recurrent layer.</summary>
    public LSTM Lstm;

    /// <summary>Hidden state → next-character logits.</summary>
    public Linear Head;

    /// <summary>Logits <c>[B, T, vocabulary]</c> of the next character after each position of codes <c>[B, T]</c>.</summary>
    public override Tensor Forward(Tensor input) => Head.Forward(Lstm.Forward(Embedding.Forward(input)));
}
