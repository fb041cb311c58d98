namespace Avalon.Nn;

/// <summary>
/// A stack of <see cref="TransformerEncoderLayer"/>s (PyTorch's <c>nn.TransformerEncoder</c>): <c>num_layers</c>
/// copies of the given layer applied in turn, then the optional final norm.
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> src <c>[S, N, E]</c> (<c>[N, S, E]</c> with the layer's <c>batch_first</c>); output the same.</para>
/// <para>The layers are copies of <c>encoder_layer</c> (its parameters copied, as PyTorch's <c>copy.deepcopy</c>),
/// held in <c>layers</c> (keys <c>layers.0.self_attn.in_proj_weight</c>, ...), and the final norm in <c>norm</c>.
/// PyTorch's nested-tensor fast path (<c>enable_nested_tensor</c>, evaluation without gradients, which gives
/// zeros at padded positions) is not reproduced: padded positions hold the computed values, as in training.</para>
/// </remarks>
public class TransformerEncoder : Module
{
    /// <summary>Creates the stack.</summary>
    /// <param name="encoderLayer">The layer to copy; it is not itself part of the stack.</param>
    /// <param name="numLayers">Number of layers.</param>
    /// <param name="norm">The final layer norm, or null.</param>
    public TransformerEncoder(TransformerEncoderLayer encoderLayer, int numLayers, LayerNorm? norm = null)
    {
        ArgumentNullException.ThrowIfNull(encoderLayer);
        if (numLayers < 1) throw OpErrors.Argument("TransformerEncoder", $"num_layers must be positive, got {numLayers}.");
        Layers = new ModuleList(Enumerable.Range(0, numLayers).Select(_ => (Module)encoderLayer.Clone()));
        NumLayers = numLayers;
        Norm = norm;
    }

    /// <summary>The layers.</summary>
    public ModuleList Layers { get; }

    /// <summary>Number of layers.</summary>
    public int NumLayers { get; }

    /// <summary>The final norm, or null.</summary>
    public LayerNorm? Norm { get; }

    /// <summary>Applies the stack without masks.</summary>
    /// <param name="input">src, <c>[S, N, E]</c> (or <c>[N, S, E]</c>, <c>[S, E]</c>).</param>
    public override Tensor Forward(Tensor input) => Forward(input, null, null);

    /// <summary>Applies every layer in turn, then the norm (PyTorch's <c>forward(src, mask, src_key_padding_mask)</c>).</summary>
    /// <param name="src">[S, N, E] ([N, S, E] with batch_first, or [S, E]).</param>
    /// <param name="mask">[S, S] or [N·nhead, S, S] attention mask (bool: true = not allowed; float: added), or null.</param>
    /// <param name="srcKeyPaddingMask">[N, S] (bool: true = padding; float: added), or null.</param>
    public Tensor Forward(Tensor src, Tensor? mask, Tensor? srcKeyPaddingMask)
    {
        ArgumentNullException.ThrowIfNull(src);
        var output = src;
        foreach (var layer in Layers) output = ((TransformerEncoderLayer)layer).Forward(output, mask, srcKeyPaddingMask);
        return Norm is null ? output : Norm.Forward(output);
    }
}

/// <summary>
/// A stack of <see cref="TransformerDecoderLayer"/>s (PyTorch's <c>nn.TransformerDecoder</c>): <c>num_layers</c>
/// copies of the given layer applied in turn to the target with the same memory, then the optional final norm.
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> tgt <c>[T, N, E]</c>, memory <c>[S, N, E]</c> (batch first with the layer's
/// <c>batch_first</c>); output tgt's shape.</para>
/// <para>The layers are copies of <c>decoder_layer</c>, held in <c>layers</c>; the final norm in <c>norm</c>.</para>
/// </remarks>
public class TransformerDecoder : Module
{
    /// <summary>Creates the stack.</summary>
    /// <param name="decoderLayer">The layer to copy; it is not itself part of the stack.</param>
    /// <param name="numLayers">Number of layers.</param>
    /// <param name="norm">The final layer norm, or null.</param>
    public TransformerDecoder(TransformerDecoderLayer decoderLayer, int numLayers, LayerNorm? norm = null)
    {
        ArgumentNullException.ThrowIfNull(decoderLayer);
        if (numLayers < 1) throw OpErrors.Argument("TransformerDecoder", $"num_layers must be positive, got {numLayers}.");
        Layers = new ModuleList(Enumerable.Range(0, numLayers).Select(_ => (Module)decoderLayer.Clone()));
        NumLayers = numLayers;
        Norm = norm;
    }

    /// <summary>The layers.</summary>
    public ModuleList Layers { get; }

    /// <summary>Number of layers.</summary>
    public int NumLayers { get; }

    /// <summary>The final norm, or null.</summary>
    public LayerNorm? Norm { get; }

    /// <summary>Applies every layer in turn, then the norm (PyTorch's <c>forward</c>).</summary>
    /// <param name="tgt">[T, N, E] ([N, T, E] with batch_first, or [T, E]).</param>
    /// <param name="memory">[S, N, E]: the encoder's output.</param>
    /// <param name="tgtMask">[T, T] or [N·nhead, T, T] self-attention mask, or null.</param>
    /// <param name="memoryMask">[T, S] or [N·nhead, T, S] memory-attention mask, or null.</param>
    /// <param name="tgtKeyPaddingMask">[N, T], or null.</param>
    /// <param name="memoryKeyPaddingMask">[N, S], or null.</param>
    public Tensor Forward(Tensor tgt, Tensor memory, Tensor? tgtMask = null, Tensor? memoryMask = null,
        Tensor? tgtKeyPaddingMask = null, Tensor? memoryKeyPaddingMask = null)
    {
        ArgumentNullException.ThrowIfNull(tgt);
        ArgumentNullException.ThrowIfNull(memory);
        var output = tgt;
        foreach (var layer in Layers)
            output = ((TransformerDecoderLayer)layer).Forward(output, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask);
        return Norm is null ? output : Norm.Forward(output);
    }
}
