namespace Avalon.Nn;

/// <summary>
/// One decoder layer of the Transformer (PyTorch's <c>nn.TransformerDecoderLayer</c>): self-attention over the
/// target, attention from the target to the encoder's output (memory), and a feed-forward block, each with
/// dropout, a residual connection and layer normalisation (post-norm by default, pre-norm with <c>norm_first</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> tgt <c>[T, N, E]</c>, memory <c>[S, N, E]</c> (<c>[N, T, E]</c> and <c>[N, S, E]</c> with
/// <c>batch_first</c>, or unbatched <c>[T, E]</c>, <c>[S, E]</c>); output tgt's shape.</para>
/// <para>post-norm: x = norm1(x + SA(x)); x = norm2(x + MHA(x, mem)); x = norm3(x + FF(x)). pre-norm:
/// x = x + SA(norm1(x)); x = x + MHA(norm2(x), mem); x = x + FF(norm3(x)).</para>
/// <para><b>Submodules</b> carry PyTorch's names (<c>self_attn</c>, <c>multihead_attn</c>, <c>linear1</c>, <c>dropout</c>,
/// <c>linear2</c>, <c>norm1</c>–<c>norm3</c>, <c>dropout1</c>–<c>dropout3</c>), so PyTorch state dicts load.</para>
/// </remarks>
public class TransformerDecoderLayer : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dModel">Model dimension E.</param>
    /// <param name="nhead">Number of attention heads; divides E.</param>
    /// <param name="dimFeedforward">Width of the feed-forward block (default 2048).</param>
    /// <param name="dropout">Dropout probability everywhere (default 0.1).</param>
    /// <param name="activation">The feed-forward activation: <c>"relu"</c> (default) or <c>"gelu"</c>.</param>
    /// <param name="layerNormEps">The layer norms' eps (default 1e-5).</param>
    /// <param name="batchFirst">Inputs and output are <c>[N, T, E]</c> (default false: <c>[T, N, E]</c>).</param>
    /// <param name="normFirst">Normalise before each block (pre-norm) rather than after the residual (default false).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation and of the dropout masks.</param>
    public TransformerDecoderLayer(int dModel, int nhead, int dimFeedforward = 2048, double dropout = 0.1, string activation = "relu",
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, DType? dtype = null, Generator? generator = null)
    {
        Activation = TransformerActivation.Check("TransformerDecoderLayer", activation);
        if (dimFeedforward < 1)
            throw OpErrors.Argument("TransformerDecoderLayer", $"dim_feedforward must be positive, got {dimFeedforward}.");
        DModel = dModel;
        Nhead = nhead;
        DimFeedforward = dimFeedforward;
        DropoutP = dropout;
        LayerNormEps = layerNormEps;
        BatchFirst = batchFirst;
        NormFirst = normFirst;
        SelfAttn = new MultiheadAttention(dModel, nhead, dropout, batchFirst: batchFirst, dtype: dtype, generator: generator);
        MultiheadAttn = new MultiheadAttention(dModel, nhead, dropout, batchFirst: batchFirst, dtype: dtype, generator: generator);
        Linear1 = new Linear(dModel, dimFeedforward, dtype: dtype, generator: generator);
        Dropout = new Dropout(dropout, generator);
        Linear2 = new Linear(dimFeedforward, dModel, dtype: dtype, generator: generator);
        Norm1 = new LayerNorm(dModel, layerNormEps, dtype: dtype);
        Norm2 = new LayerNorm(dModel, layerNormEps, dtype: dtype);
        Norm3 = new LayerNorm(dModel, layerNormEps, dtype: dtype);
        Dropout1 = new Dropout(dropout, generator);
        Dropout2 = new Dropout(dropout, generator);
        Dropout3 = new Dropout(dropout, generator);
    }

    /// <summary>Model dimension E.</summary>
    public int DModel { get; }

    /// <summary>Number of attention heads.</summary>
    public int Nhead { get; }

    /// <summary>Width of the feed-forward block.</summary>
    public int DimFeedforward { get; }

    /// <summary>Dropout probability.</summary>
    public double DropoutP { get; }

    /// <summary>The layer norms' eps.</summary>
    public double LayerNormEps { get; }

    /// <summary>Whether inputs and output are <c>[N, T, E]</c>.</summary>
    public bool BatchFirst { get; }

    /// <summary>Whether the layer normalises before each block (pre-norm).</summary>
    public bool NormFirst { get; }

    /// <summary>The feed-forward activation, <c>"relu"</c> or <c>"gelu"</c>.</summary>
    public string Activation { get; }

    /// <summary>The self-attention over the target.</summary>
    public MultiheadAttention SelfAttn { get; }

    /// <summary>The attention from the target to the memory.</summary>
    public MultiheadAttention MultiheadAttn { get; }

    /// <summary>The first feed-forward projection (E → dim_feedforward).</summary>
    public Linear Linear1 { get; }

    /// <summary>Dropout inside the feed-forward block.</summary>
    public Dropout Dropout { get; }

    /// <summary>The second feed-forward projection (dim_feedforward → E).</summary>
    public Linear Linear2 { get; }

    /// <summary>The norm of the self-attention block.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>The norm of the memory-attention block.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>The norm of the feed-forward block.</summary>
    public LayerNorm Norm3 { get; }

    /// <summary>Dropout after the self-attention.</summary>
    public Dropout Dropout1 { get; }

    /// <summary>Dropout after the memory attention.</summary>
    public Dropout Dropout2 { get; }

    /// <summary>Dropout after the feed-forward block.</summary>
    public Dropout Dropout3 { get; }

    /// <summary>Applies the layer (PyTorch's <c>forward</c>).</summary>
    /// <param name="tgt">[T, N, E] ([N, T, E] with batch_first, or [T, E]).</param>
    /// <param name="memory">[S, N, E] ([N, S, E] with batch_first, or [S, E]): the encoder's output.</param>
    /// <param name="tgtMask">[T, T] or [N·nhead, T, T] self-attention mask (bool: true = not allowed; float: added), or null.</param>
    /// <param name="memoryMask">[T, S] or [N·nhead, T, S] memory-attention mask, or null.</param>
    /// <param name="tgtKeyPaddingMask">[N, T] (bool: true = padding; float: added), or null.</param>
    /// <param name="memoryKeyPaddingMask">[N, S], or null.</param>
    /// <returns>tgt's shape.</returns>
    public Tensor Forward(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? memoryMask = null,
        Tensor? tgtKeyPaddingMask = null, Tensor? memoryKeyPaddingMask = null)
    {
        ArgumentNullException.ThrowIfNull(tgt);
        ArgumentNullException.ThrowIfNull(memory);
        var x = tgt;
        if (NormFirst)
        {
            x = x + SelfAttentionBlock(Norm1.Forward(x), tgtMask, tgtKeyPaddingMask);
            x = x + MemoryAttentionBlock(Norm2.Forward(x), memory, memoryMask, memoryKeyPaddingMask);
            x = x + FeedForwardBlock(Norm3.Forward(x));
        }
        else
        {
            x = Norm1.Forward(x + SelfAttentionBlock(x, tgtMask, tgtKeyPaddingMask));
            x = Norm2.Forward(x + MemoryAttentionBlock(x, memory, memoryMask, memoryKeyPaddingMask));
            x = Norm3.Forward(x + FeedForwardBlock(x));
        }
        return x;
    }

    private Tensor SelfAttentionBlock(Tensor x, Tensor? attnMask, Tensor? keyPaddingMask) =>
        Dropout1.Forward(SelfAttn.Forward(x, x, x, keyPaddingMask, needWeights: false, attnMask: attnMask).Output);

    private Tensor MemoryAttentionBlock(Tensor x, Tensor memory, Tensor? attnMask, Tensor? keyPaddingMask) =>
        Dropout2.Forward(MultiheadAttn.Forward(x, memory, memory, keyPaddingMask, needWeights: false, attnMask: attnMask).Output);

    private Tensor FeedForwardBlock(Tensor x) =>
        Dropout3.Forward(Linear2.Forward(Dropout.Forward(TransformerActivation.Apply(Activation, Linear1.Forward(x)))));

    /// <summary>A new layer with the same settings, parameters (copied), gradient flags and mode (PyTorch's <c>copy.deepcopy</c> of a layer).</summary>
    internal TransformerDecoderLayer Clone()
    {
        var copy = new TransformerDecoderLayer(DModel, Nhead, DimFeedforward, DropoutP, Activation, LayerNormEps, BatchFirst, NormFirst,
            Linear1.Weight.DType, new Generator(0));
        TransformerActivation.CopyState(this, copy);
        return copy;
    }
}
