namespace Avalon.Nn;

/// <summary>
/// One encoder layer of the Transformer (PyTorch's <c>nn.TransformerEncoderLayer</c>): self-attention and a
/// feed-forward block (linear → relu or gelu → dropout → linear), each with dropout, a residual connection
/// and layer normalisation, applied after the residual (post-norm, the default) or before the block
/// (<c>norm_first</c>, pre-norm).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> src <c>[S, N, E]</c> (<c>[N, S, E]</c> with <c>batch_first</c>, or unbatched
/// <c>[S, E]</c>); output the same.</para>
/// <para>post-norm: x = norm1(x + SA(x)); x = norm2(x + FF(x)). pre-norm: x = x + SA(norm1(x)); x = x + FF(norm2(x)).</para>
/// <para><b>Submodules</b> carry PyTorch's names (<c>self_attn</c>, <c>linear1</c>, <c>dropout</c>, <c>linear2</c>,
/// <c>norm1</c>, <c>norm2</c>, <c>dropout1</c>, <c>dropout2</c>), so PyTorch state dicts load.</para>
/// <para>PyTorch's inference fast path (a fused kernel in evaluation without gradients) computes the same
/// function; this layer always runs the composed operations.</para>
/// </remarks>
public class TransformerEncoderLayer : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dModel">Model dimension E.</param>
    /// <param name="nhead">Number of attention heads; divides E.</param>
    /// <param name="dimFeedforward">Width of the feed-forward block (default 2048).</param>
    /// <param name="dropout">Dropout probability everywhere (default 0.1).</param>
    /// <param name="activation">The feed-forward activation: <c>"relu"</c> (default) or <c>"gelu"</c>.</param>
    /// <param name="layerNormEps">The layer norms' eps (default 1e-5).</param>
    /// <param name="batchFirst">Input and output are <c>[N, S, E]</c> (default false: <c>[S, N, E]</c>).</param>
    /// <param name="normFirst">Normalise before each block (pre-norm) rather than after the residual (default false).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation and of the dropout masks.</param>
    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward = 2048, double dropout = 0.1, string activation = "relu",
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, DType? dtype = null, Generator? generator = null)
    {
        Activation = TransformerActivation.Check("TransformerEncoderLayer", activation);
        if (dimFeedforward < 1)
            throw OpErrors.Argument("TransformerEncoderLayer", $"dim_feedforward must be positive, got {dimFeedforward}.");
        DModel = dModel;
        Nhead = nhead;
        DimFeedforward = dimFeedforward;
        DropoutP = dropout;
        LayerNormEps = layerNormEps;
        BatchFirst = batchFirst;
        NormFirst = normFirst;
        SelfAttn = new MultiheadAttention(dModel, nhead, dropout, batchFirst: batchFirst, dtype: dtype, generator: generator);
        Linear1 = new Linear(dModel, dimFeedforward, dtype: dtype, generator: generator);
        Dropout = new Dropout(dropout, generator);
        Linear2 = new Linear(dimFeedforward, dModel, dtype: dtype, generator: generator);
        Norm1 = new LayerNorm(dModel, layerNormEps, dtype: dtype);
        Norm2 = new LayerNorm(dModel, layerNormEps, dtype: dtype);
        Dropout1 = new Dropout(dropout, generator);
        Dropout2 = new Dropout(dropout, generator);
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

    /// <summary>Whether input and output are <c>[N, S, E]</c>.</summary>
    public bool BatchFirst { get; }

    /// <summary>Whether the layer normalises before each block (pre-norm).</summary>
    public bool NormFirst { get; }

    /// <summary>The feed-forward activation, <c>"relu"</c> or <c>"gelu"</c>.</summary>
    public string Activation { get; }

    /// <summary>The self-attention.</summary>
    public MultiheadAttention SelfAttn { get; }

    /// <summary>The first feed-forward projection (E → dim_feedforward).</summary>
    public Linear Linear1 { get; }

    /// <summary>Dropout inside the feed-forward block.</summary>
    public Dropout Dropout { get; }

    /// <summary>The second feed-forward projection (dim_feedforward → E).</summary>
    public Linear Linear2 { get; }

    /// <summary>The norm of the attention block.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>The norm of the feed-forward block.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>Dropout after the attention.</summary>
    public Dropout Dropout1 { get; }

    /// <summary>Dropout after the feed-forward block.</summary>
    public Dropout Dropout2 { get; }

    /// <summary>Applies the layer without masks.</summary>
    /// <param name="input">src, <c>[S, N, E]</c> (<c>[N, S, E]</c> with batch_first, or <c>[S, E]</c>).</param>
    public override Tensor Forward(Tensor input) => Forward(input, null, null);

    /// <summary>Applies the layer (PyTorch's <c>forward(src, src_mask, src_key_padding_mask)</c>).</summary>
    /// <param name="src">[S, N, E] ([N, S, E] with batch_first, or [S, E]).</param>
    /// <param name="srcMask">[S, S] or [N·nhead, S, S] attention mask (bool: true = not allowed; float: added), or null.</param>
    /// <param name="srcKeyPaddingMask">[N, S] (bool: true = padding; float: added), or null.</param>
    /// <returns>The input's shape.</returns>
    public Tensor Forward(Tensor src, Tensor? srcMask, Tensor? srcKeyPaddingMask)
    {
        ArgumentNullException.ThrowIfNull(src);
        var x = src;
        if (NormFirst)
        {
            x = x + SelfAttentionBlock(Norm1.Forward(x), srcMask, srcKeyPaddingMask);
            x = x + FeedForwardBlock(Norm2.Forward(x));
        }
        else
        {
            x = Norm1.Forward(x + SelfAttentionBlock(x, srcMask, srcKeyPaddingMask));
            x = Norm2.Forward(x + FeedForwardBlock(x));
        }
        return x;
    }

    private Tensor SelfAttentionBlock(Tensor x, Tensor? attnMask, Tensor? keyPaddingMask) =>
        Dropout1.Forward(SelfAttn.Forward(x, x, x, keyPaddingMask, needWeights: false, attnMask: attnMask).Output);

    private Tensor FeedForwardBlock(Tensor x) =>
        Dropout2.Forward(Linear2.Forward(Dropout.Forward(TransformerActivation.Apply(Activation, Linear1.Forward(x)))));

    /// <summary>A new layer with the same settings, parameters (copied), gradient flags and mode (PyTorch's <c>copy.deepcopy</c> of a layer).</summary>
    internal TransformerEncoderLayer Clone()
    {
        var copy = new TransformerEncoderLayer(DModel, Nhead, DimFeedforward, DropoutP, Activation, LayerNormEps, BatchFirst, NormFirst,
            Linear1.Weight.DType, new Generator(0));
        TransformerActivation.CopyState(this, copy);
        return copy;
    }
}

/// <summary>The feed-forward activations of the Transformer layers and the copying of a layer.</summary>
internal static class TransformerActivation
{
    /// <summary>Checks the activation name (<c>"relu"</c> or <c>"gelu"</c>) and returns it.</summary>
    public static string Check(string layer, string activation) => activation is "relu" or "gelu"
        ? activation
        : throw OpErrors.Argument(layer, $"activation should be relu/gelu, not {activation}.");

    /// <summary>Applies the named activation.</summary>
    public static Tensor Apply(string activation, Tensor x) => activation == "gelu" ? Functional.Gelu(x) : Functional.Relu(x);

    /// <summary>
    /// Copies the state, the gradient flags, the mode and the dropout generators of <paramref name="source"/> into
    /// <paramref name="target"/>, a module of the same structure.
    /// </summary>
    public static void CopyState(Module source, Module target)
    {
        target.LoadStateDict(source.StateDict());
        foreach (var (s, t) in source.Modules().Zip(target.Modules()))
        {
            if (s is Dropout sd && t is Dropout td) td.Generator = sd.Generator;
            if (s is MultiheadAttention sa && t is MultiheadAttention ta) ta.Generator = sa.Generator;
        }
        var flags = source.NamedParameters().ToDictionary(p => p.Key, p => p.Value.RequiresGrad);
        foreach (var (key, p) in target.NamedParameters()) p.RequiresGrad = flags[key];
        target.Train(source.Training);
    }
}
