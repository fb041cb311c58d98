namespace Avalon.Nn;

/// <summary>
/// The encoder-decoder Transformer of "Attention Is All You Need" (PyTorch's <c>nn.Transformer</c>): a
/// <see cref="TransformerEncoder"/> over the source and a <see cref="TransformerDecoder"/> over the target that
/// attends to the encoder's output, each ending with a layer norm.
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> src <c>[S, N, E]</c>, tgt <c>[T, N, E]</c> (<c>[N, S, E]</c>, <c>[N, T, E]</c> with
/// <c>batch_first</c>, or unbatched without N); output <c>[T, N, E]</c> (tgt's layout).</para>
/// <para><b>Submodules</b> <c>encoder</c> (<c>layers</c>, <c>norm</c>) and <c>decoder</c>, PyTorch's names.</para>
/// <para><b>Initialisation</b> (as PyTorch): after building the layers, every parameter of rank 2 or more is drawn
/// Xavier-uniform again; biases and norms keep their layers' initialisation.</para>
/// </remarks>
public class Transformer : Module
{
    /// <summary>Creates the model.</summary>
    /// <param name="dModel">Model dimension E (default 512).</param>
    /// <param name="nhead">Number of attention heads (default 8).</param>
    /// <param name="numEncoderLayers">Encoder layers (default 6).</param>
    /// <param name="numDecoderLayers">Decoder layers (default 6).</param>
    /// <param name="dimFeedforward">Width of the feed-forward blocks (default 2048).</param>
    /// <param name="dropout">Dropout probability (default 0.1).</param>
    /// <param name="activation"><c>"relu"</c> (default) or <c>"gelu"</c>.</param>
    /// <param name="customEncoder">An encoder to use instead of building one, or null.</param>
    /// <param name="customDecoder">A decoder to use instead of building one, or null.</param>
    /// <param name="layerNormEps">The layer norms' eps (default 1e-5).</param>
    /// <param name="batchFirst">Inputs and output are <c>[N, *, E]</c> (default false).</param>
    /// <param name="normFirst">Pre-norm layers (default false).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation and of the dropout masks.</param>
    public Transformer(int dModel = 512, int nhead = 8, int numEncoderLayers = 6, int numDecoderLayers = 6, int dimFeedforward = 2048,
        double dropout = 0.1, string activation = "relu", TransformerEncoder? customEncoder = null, TransformerDecoder? customDecoder = null,
        double layerNormEps = 1e-5, bool batchFirst = false, bool normFirst = false, DType? dtype = null, Generator? generator = null)
    {
        Encoder = customEncoder ?? new TransformerEncoder(
            new TransformerEncoderLayer(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, dtype, generator),
            numEncoderLayers, new LayerNorm(dModel, layerNormEps, dtype: dtype));
        Decoder = customDecoder ?? new TransformerDecoder(
            new TransformerDecoderLayer(dModel, nhead, dimFeedforward, dropout, activation, layerNormEps, batchFirst, normFirst, dtype, generator),
            numDecoderLayers, new LayerNorm(dModel, layerNormEps, dtype: dtype));
        DModel = dModel;
        Nhead = nhead;
        BatchFirst = batchFirst;
        ResetParameters(generator);
    }

    /// <summary>The encoder.</summary>
    public TransformerEncoder Encoder { get; }

    /// <summary>The decoder.</summary>
    public TransformerDecoder Decoder { get; }

    /// <summary>Model dimension E.</summary>
    public int DModel { get; }

    /// <summary>Number of attention heads.</summary>
    public int Nhead { get; }

    /// <summary>Whether inputs and output are batch first.</summary>
    public bool BatchFirst { get; }

    /// <summary>Draws every parameter of rank 2 or more Xavier-uniform (PyTorch's <c>_reset_parameters</c>).</summary>
    public void ResetParameters(Generator? generator = null)
    {
        foreach (var p in Parameters())
            if (p.Rank > 1) Init.XavierUniform_(p, generator: generator);
    }

    /// <summary>Encodes <paramref name="src"/> and decodes <paramref name="tgt"/> against it (PyTorch's <c>forward</c>).</summary>
    /// <param name="src">[S, N, E] ([N, S, E] with batch_first, or [S, E]).</param>
    /// <param name="tgt">[T, N, E] ([N, T, E] with batch_first, or [T, E]).</param>
    /// <param name="srcMask">[S, S] or [N·nhead, S, S], or null.</param>
    /// <param name="tgtMask">[T, T] or [N·nhead, T, T] (e.g. <see cref="GenerateSquareSubsequentMask"/>), or null.</param>
    /// <param name="memoryMask">[T, S] or [N·nhead, T, S], or null.</param>
    /// <param name="srcKeyPaddingMask">[N, S], or null.</param>
    /// <param name="tgtKeyPaddingMask">[N, T], or null.</param>
    /// <param name="memoryKeyPaddingMask">[N, S], or null.</param>
    /// <returns>tgt's shape.</returns>
    /// <exception cref="ArgumentException">The batch sizes or feature sizes do not fit.</exception>
    public Tensor Forward(Tensor src, Tensor tgt, Tensor? srcMask = null, Tensor? tgtMask = null, Tensor? memoryMask = null,
        Tensor? srcKeyPaddingMask = null, Tensor? tgtKeyPaddingMask = null, Tensor? memoryKeyPaddingMask = null)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(tgt);
        if (src.Rank == 3 && tgt.Rank == 3 && src.Size(BatchFirst ? 0 : 1) != tgt.Size(BatchFirst ? 0 : 1))
            throw OpErrors.Argument("Transformer", $"the batch number of src and tgt must be equal, got shapes {src.Shape} and {tgt.Shape} (batch_first={PythonRepr.Bool(BatchFirst)}).");
        if (src.Rank == 0 || tgt.Rank == 0 || src.Size(-1) != DModel || tgt.Size(-1) != DModel)
            throw OpErrors.Argument("Transformer", $"the feature number of src and tgt must be equal to d_model ({DModel}), got shapes {src.Shape} and {tgt.Shape}.");
        var memory = Encoder.Forward(src, srcMask, srcKeyPaddingMask);
        return Decoder.Forward(tgt, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask);
    }

    /// <summary>
    /// The causal mask for a sequence of <paramref name="size"/>: a float <c>[size, size]</c> tensor with −∞ above the
    /// diagonal and 0 elsewhere (PyTorch's <c>generate_square_subsequent_mask</c>).
    /// </summary>
    public static Tensor GenerateSquareSubsequentMask(int size, DType? dtype = null)
    {
        if (size < 0) throw OpErrors.Argument("generate_square_subsequent_mask", $"size must be non-negative, got {size}.");
        return Tensor.Full([size, size], double.NegativeInfinity, dtype ?? Tensor.DefaultDType).Triu(1);
    }
}
