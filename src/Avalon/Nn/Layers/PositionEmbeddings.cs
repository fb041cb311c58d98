using System.Globalization;

namespace Avalon.Nn;

/// <summary>
/// Adds the sinusoidal position encodings of "Attention Is All You Need" to a sequence (the
/// <c>PositionalEncoding</c> of PyTorch's Transformer tutorial, without its dropout: follow it with a
/// <see cref="Dropout"/> where wanted). Not part of <c>torch.nn</c>.
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input <c>[S, N, E]</c> (<c>[N, S, E]</c> with <c>batch_first</c>, or unbatched <c>[S, E]</c>),
/// S ≤ max_len; output the same: x + pe[:S] (see <see cref="Functional.SinusoidalPositionEncoding"/>).</para>
/// <para>The table is a non-persistent buffer <c>pe</c> [max_len, E]: it follows <c>To(dtype)</c> but is not in
/// the state dict, since it is a function of the settings.</para>
/// </remarks>
public class SinusoidalPositionalEncoding : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dModel">Model dimension E; even.</param>
    /// <param name="maxLen">The longest sequence (default 5000).</param>
    /// <param name="batchFirst">Input is <c>[N, S, E]</c> (default false: <c>[S, N, E]</c>).</param>
    /// <param name="dtype">The table's dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    public SinusoidalPositionalEncoding(int dModel, int maxLen = 5000, bool batchFirst = false, DType? dtype = null)
    {
        if (maxLen < 1) throw OpErrors.Argument("SinusoidalPositionalEncoding", $"max_len must be positive, got {maxLen}.");
        DModel = dModel;
        MaxLen = maxLen;
        BatchFirst = batchFirst;
        Pe = Functional.SinusoidalPositionEncoding(maxLen, dModel, dtype: dtype);
    }

    /// <summary>Model dimension E.</summary>
    public int DModel { get; }

    /// <summary>The longest sequence.</summary>
    public int MaxLen { get; }

    /// <summary>Whether input is <c>[N, S, E]</c>.</summary>
    public bool BatchFirst { get; }

    /// <summary>The encodings [max_len, E].</summary>
    [Buffer(persistent: false)]
    public Tensor Pe { get; set; }

    /// <summary>Adds the encodings of positions 0 .. S−1.</summary>
    /// <param name="input">[S, N, E] ([N, S, E] with batch_first, or [S, E]).</param>
    public override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank is not (2 or 3) || input.Size(-1) != DModel)
            throw OpErrors.Argument("SinusoidalPositionalEncoding", $"expected input [S, N, {DModel}], [N, S, {DModel}] (batch_first) or [S, {DModel}], got shape {input.Shape}.");
        int seqDim = input.Rank == 3 && BatchFirst ? 1 : 0;
        int length = input.Size(seqDim);
        if (length > MaxLen)
            throw OpErrors.Argument("SinusoidalPositionalEncoding", $"the sequence length {length} (input shape {input.Shape}) exceeds max_len {MaxLen}.");
        var pe = Pe.Narrow(0, 0, length);
        if (input.Rank == 3 && !BatchFirst) pe = pe.Unsqueeze(1);
        return input + pe;
    }

    /// <inheritdoc />
    public override string ExtraRepr() =>
        string.Create(CultureInfo.InvariantCulture, $"d_model={DModel}, max_len={MaxLen}, batch_first={PythonRepr.Bool(BatchFirst)}");
}

/// <summary>
/// Rotary position embeddings (RoPE, Su et al.): rotates each pair of features of position p by angles
/// proportional to p, so that the dot product of a rotated query and key depends on their distance only.
/// Not part of <c>torch.nn</c>.
/// </summary>
/// <remarks>
/// <para><b>Convention:</b> the halves layout of GPT-NeoX and LLaMA: features j and j + dim/2 form a pair, rotated by
/// θ = p · base^(−2j/dim): y = x · cos θ + rotate_half(x) · sin θ with rotate_half([x₁, x₂]) = [−x₂, x₁]
/// (RoFormer's original interleaved layout pairs features 2j and 2j+1 instead; the two differ by a fixed
/// permutation of the features).</para>
/// <para><b>Shape:</b> input <c>[*, L, dim]</c> (e.g. <c>[N, heads, L, head_dim]</c>); output the same.</para>
/// <para>The inverse frequencies are a non-persistent buffer <c>inv_freq</c> [dim/2] (computed in float64, then cast).</para>
/// </remarks>
public class RotaryEmbedding : Module
{
    /// <summary>Creates the layer.</summary>
    /// <param name="dim">The rotated features (the head dimension); even.</param>
    /// <param name="base">The wavelength base (default 10000).</param>
    /// <param name="dtype">The buffer's dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    public RotaryEmbedding(int dim, double @base = 10000, DType? dtype = null)
    {
        Dim = dim;
        Base = @base;
        InvFreq = Functional.RotaryInverseFrequencies(dim, @base, dtype);
    }

    /// <summary>The rotated features.</summary>
    public int Dim { get; }

    /// <summary>The wavelength base.</summary>
    public double Base { get; }

    /// <summary>The inverse frequencies [dim/2].</summary>
    [Buffer(persistent: false)]
    public Tensor InvFreq { get; set; }

    /// <summary>Rotates positions 0 .. L−1.</summary>
    /// <param name="input">[*, L, dim].</param>
    public override Tensor Forward(Tensor input) => Forward(input, 0);

    /// <summary>Rotates positions <paramref name="positionOffset"/> .. positionOffset + L − 1 (e.g. after cached tokens).</summary>
    /// <param name="input">[*, L, dim].</param>
    /// <param name="positionOffset">The position of the first row.</param>
    public Tensor Forward(Tensor input, int positionOffset)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank < 2 || input.Size(-1) != Dim)
            throw OpErrors.Argument("RotaryEmbedding", $"expected input [*, L, {Dim}], got shape {input.Shape}.");
        var (cos, sin) = Functional.RotaryCosSin(InvFreq.DType == input.DType ? InvFreq : InvFreq.To(input.DType), input.Size(-2), positionOffset);
        return Functional.ApplyRotaryEmbedding(input, cos, sin);
    }

    /// <inheritdoc />
    public override string ExtraRepr() => $"dim={Dim.ToString(CultureInfo.InvariantCulture)}, base={PythonRepr.Float(Base)}";
}
