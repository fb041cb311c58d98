namespace Avalon.Nn;

/// <summary>
/// Multi-head attention (PyTorch's <c>nn.MultiheadAttention</c>): MultiHead(Q, K, V) = Concat(head₁, ..., headₕ) W_O
/// with headᵢ = softmax(Q W_Qᵢ (K W_Kᵢ)ᵀ / √head_dim + mask) V W_Vᵢ.
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> query <c>[L, N, E]</c> (<c>[N, L, E]</c> with <c>batch_first</c>, or unbatched <c>[L, E]</c>),
/// key <c>[S, N, kdim]</c>, value <c>[S, N, vdim]</c>; output <c>[L, N, E]</c> (the query's layout) and weights
/// <c>[N, L, S]</c> averaged over the heads or <c>[N, num_heads, L, S]</c> per head (unbatched: without N).</para>
/// <para><b>Masks</b> (as PyTorch): a bool <c>key_padding_mask</c> [N, S] or <c>attn_mask</c> [L, S] /
/// [N·num_heads, L, S] is <c>true</c> where attention is <i>not</i> allowed; a floating-point mask is added to
/// the scores. A query whose every key is masked gives NaN, as PyTorch 1.13 does.</para>
/// <para><b>Parameters</b> carry PyTorch's names, so its state dicts load: <c>in_proj_weight</c> [3E, E] when
/// kdim = vdim = E, otherwise <c>q_proj_weight</c> [E, E], <c>k_proj_weight</c> [E, kdim], <c>v_proj_weight</c> [E, vdim];
/// <c>in_proj_bias</c> [3E], <c>bias_k</c>/<c>bias_v</c> [1, 1, E] with <c>add_bias_kv</c>, and <c>out_proj</c>.</para>
/// <para><b>Initialisation</b> (as PyTorch): Xavier-uniform projection weights, zero in-projection and output
/// biases, Xavier-normal <c>bias_k</c>/<c>bias_v</c>, <c>out_proj.weight</c> as a <see cref="Linear"/>'s.</para>
/// <para><b>Dropout</b> on the attention weights in training, drawn from <see cref="Generator"/>; the returned
/// weights are those after dropout (as PyTorch).</para>
/// </remarks>
public class MultiheadAttention : Module
{
    /// <summary>Creates the layer and initialises it with <see cref="ResetParameters"/>.</summary>
    /// <param name="embedDim">Model dimension E.</param>
    /// <param name="numHeads">Number of heads; divides E (each head has E / num_heads features).</param>
    /// <param name="dropout">Dropout probability on the attention weights (default 0).</param>
    /// <param name="bias">Learn biases of the input and output projections (default true).</param>
    /// <param name="addBiasKv">Learn a key and a value appended to the key and value sequences (default false).</param>
    /// <param name="addZeroAttn">Append a zero key and value to the sequences (default false).</param>
    /// <param name="kdim">Features of the key (default E).</param>
    /// <param name="vdim">Features of the value (default E).</param>
    /// <param name="batchFirst">Input and output are <c>[N, L, E]</c> rather than <c>[L, N, E]</c> (default false).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation and of the dropout masks.</param>
    public MultiheadAttention(int embedDim, int numHeads, double dropout = 0, bool bias = true, bool addBiasKv = false,
        bool addZeroAttn = false, int? kdim = null, int? vdim = null, bool batchFirst = false, DType? dtype = null,
        Generator? generator = null)
    {
        if (embedDim < 1 || numHeads < 1)
            throw OpErrors.Argument("MultiheadAttention", $"embed_dim and num_heads must be positive, got {embedDim} and {numHeads}.");
        if (embedDim % numHeads != 0)
            throw OpErrors.Argument("MultiheadAttention", $"embed_dim must be divisible by num_heads, got embed_dim={embedDim} and num_heads={numHeads}.");
        if (!(dropout >= 0 && dropout <= 1))
            throw OpErrors.Argument("MultiheadAttention", $"dropout probability has to be between 0 and 1, but got {dropout}.");
        EmbedDim = embedDim;
        NumHeads = numHeads;
        Kdim = kdim ?? embedDim;
        Vdim = vdim ?? embedDim;
        if (Kdim < 1 || Vdim < 1)
            throw OpErrors.Argument("MultiheadAttention", $"kdim and vdim must be positive, got {Kdim} and {Vdim}.");
        DropoutP = dropout;
        BatchFirst = batchFirst;
        AddZeroAttn = addZeroAttn;
        Generator = generator;
        var dt = dtype ?? Tensor.DefaultDType;
        if (QkvSameEmbedDim)
        {
            InProjWeight = Tensor.Zeros([3 * embedDim, embedDim], dt).RequiresGrad_();
        }
        else
        {
            QProjWeight = Tensor.Zeros([embedDim, embedDim], dt).RequiresGrad_();
            KProjWeight = Tensor.Zeros([embedDim, Kdim], dt).RequiresGrad_();
            VProjWeight = Tensor.Zeros([embedDim, Vdim], dt).RequiresGrad_();
        }
        InProjBias = bias ? Tensor.Zeros([3 * embedDim], dt).RequiresGrad_() : null;
        if (addBiasKv)
        {
            BiasK = Tensor.Zeros([1, 1, embedDim], dt).RequiresGrad_();
            BiasV = Tensor.Zeros([1, 1, embedDim], dt).RequiresGrad_();
        }
        OutProj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, bias, dt, generator);
        ResetParameters(generator);
    }

    /// <summary>Model dimension E.</summary>
    public int EmbedDim { get; }

    /// <summary>Number of heads.</summary>
    public int NumHeads { get; }

    /// <summary>Features of each head, E / num_heads.</summary>
    public int HeadDim => EmbedDim / NumHeads;

    /// <summary>Features of the key.</summary>
    public int Kdim { get; }

    /// <summary>Features of the value.</summary>
    public int Vdim { get; }

    /// <summary>Whether the key and value have E features, so one packed <see cref="InProjWeight"/> projects all three.</summary>
    public bool QkvSameEmbedDim => Kdim == EmbedDim && Vdim == EmbedDim;

    /// <summary>Dropout probability on the attention weights (PyTorch's <c>dropout</c> attribute).</summary>
    public double DropoutP { get; }

    /// <summary>Whether input and output are <c>[N, L, E]</c>.</summary>
    public bool BatchFirst { get; }

    /// <summary>Whether a zero key and value are appended.</summary>
    public bool AddZeroAttn { get; }

    /// <summary>The generator the dropout masks are drawn from (null: <see cref="Avalon.Generator.Default"/>).</summary>
    [Ignore]
    public Generator? Generator { get; set; }

    /// <summary>Packed query, key and value projection [3E, E], or null when kdim or vdim differ from E.</summary>
    public Tensor? InProjWeight { get; set; }

    /// <summary>Query projection [E, E] when the weights are separate, else null.</summary>
    [StateName("q_proj_weight")]
    public Tensor? QProjWeight { get; set; }

    /// <summary>Key projection [E, kdim] when the weights are separate, else null.</summary>
    [StateName("k_proj_weight")]
    public Tensor? KProjWeight { get; set; }

    /// <summary>Value projection [E, vdim] when the weights are separate, else null.</summary>
    [StateName("v_proj_weight")]
    public Tensor? VProjWeight { get; set; }

    /// <summary>Packed projection bias [3E] (query, key, value), or null without bias.</summary>
    public Tensor? InProjBias { get; set; }

    /// <summary>Learnt key [1, 1, E] appended to the keys, or null without <c>add_bias_kv</c>.</summary>
    public Tensor? BiasK { get; set; }

    /// <summary>Learnt value [1, 1, E] appended to the values, or null without <c>add_bias_kv</c>.</summary>
    public Tensor? BiasV { get; set; }

    /// <summary>The output projection (E → E).</summary>
    public Linear OutProj { get; }

    /// <summary>Draws fresh parameters the way PyTorch does (see the class remarks).</summary>
    public void ResetParameters(Generator? generator = null)
    {
        if (InProjWeight is not null) Init.XavierUniform_(InProjWeight, generator: generator);
        if (QProjWeight is not null) Init.XavierUniform_(QProjWeight, generator: generator);
        if (KProjWeight is not null) Init.XavierUniform_(KProjWeight, generator: generator);
        if (VProjWeight is not null) Init.XavierUniform_(VProjWeight, generator: generator);
        if (InProjBias is not null)
        {
            Init.Constant_(InProjBias, 0);
            if (OutProj.Bias is not null) Init.Constant_(OutProj.Bias, 0);
        }
        if (BiasK is not null) Init.XavierNormal_(BiasK, generator: generator);
        if (BiasV is not null) Init.XavierNormal_(BiasV, generator: generator);
    }

    /// <summary>Self-attention: <c>Forward(x, x, x)</c>'s output.</summary>
    /// <param name="input">[L, N, E] ([N, L, E] with batch_first, or [L, E]).</param>
    public override Tensor Forward(Tensor input) => Forward(input, input, input, needWeights: false).Output;

    /// <summary>Attends from <paramref name="query"/> to <paramref name="key"/>/<paramref name="value"/> (PyTorch's <c>forward</c>).</summary>
    /// <param name="query">[L, N, E] ([N, L, E] with batch_first, or unbatched [L, E]).</param>
    /// <param name="key">[S, N, kdim] ([N, S, kdim], or [S, kdim]).</param>
    /// <param name="value">[S, N, vdim] ([N, S, vdim], or [S, vdim]).</param>
    /// <param name="keyPaddingMask">[N, S] (or [S]): bool, true = ignore that key; or float, added to the scores.</param>
    /// <param name="needWeights">Also return the attention weights (default true).</param>
    /// <param name="attnMask">[L, S] or [N·num_heads, L, S]: bool, true = not allowed to attend; or float, added.</param>
    /// <param name="averageAttnWeights">Average the weights over the heads (default true) rather than per head.</param>
    /// <returns>The output, in the query's layout, and the weights (null unless <paramref name="needWeights"/>).</returns>
    public (Tensor Output, Tensor? Weights) Forward(Tensor query, Tensor key, Tensor value, Tensor? keyPaddingMask = null,
        bool needWeights = true, Tensor? attnMask = null, bool averageAttnWeights = true)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(value);
        bool batched = query.Rank == 3;
        if (BatchFirst && batched)
        {
            query = query.Transpose(1, 0);
            key = key.Rank == 3 ? key.Transpose(1, 0) : key;
            value = value.Rank == 3 ? value.Transpose(1, 0) : value;
        }
        var (output, weights) = Functional.MultiHeadAttentionForward(query, key, value, EmbedDim, NumHeads,
            InProjWeight, InProjBias, BiasK, BiasV, AddZeroAttn, DropoutP, OutProj.Weight, OutProj.Bias, Training,
            keyPaddingMask, needWeights, attnMask, QProjWeight, KProjWeight, VProjWeight, averageAttnWeights, Generator);
        if (BatchFirst && batched) output = output.Transpose(1, 0);
        return (output, weights);
    }
}

/// <summary>
/// The output projection of <see cref="MultiheadAttention"/>: a <see cref="Linear"/> that prints as PyTorch's
/// <c>NonDynamicallyQuantizableLinear</c>, so the module tree reads as PyTorch's.
/// </summary>
internal sealed class NonDynamicallyQuantizableLinear(int inFeatures, int outFeatures, bool bias, DType dtype, Generator? generator)
    : Linear(inFeatures, outFeatures, bias, dtype, generator)
{
    /// <inheritdoc />
    protected override string TypeName => "NonDynamicallyQuantizableLinear";
}
