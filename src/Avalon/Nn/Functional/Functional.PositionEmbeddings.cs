namespace Avalon.Nn;

public static partial class Functional
{
    /// <summary>
    /// The sinusoidal position encodings of "Attention Is All You Need": a <c>[length, dim]</c> table with
    /// <c>pe[p, 2i] = sin(p / base^(2i/dim))</c> and <c>pe[p, 2i+1] = cos(p / base^(2i/dim))</c>
    /// (the layout of PyTorch's Transformer tutorial). Computed in float64, then cast to <paramref name="dtype"/>.
    /// </summary>
    /// <param name="length">Number of positions (0 .. length−1).</param>
    /// <param name="dim">Model dimension; even.</param>
    /// <param name="base">The wavelength base (default 10000).</param>
    /// <param name="dtype">The result's dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <exception cref="ArgumentException">The length is negative, the dim not positive and even, or the base not above 0.</exception>
    public static Tensor SinusoidalPositionEncoding(int length, int dim, double @base = 10000, DType? dtype = null)
    {
        if (length < 0 || dim < 2 || dim % 2 != 0)
            throw OpErrors.Argument("sinusoidal_position_encoding", $"expected length >= 0 and an even dim >= 2, got length={length}, dim={dim}.");
        if (!(@base > 0))
            throw OpErrors.Argument("sinusoidal_position_encoding", $"base must be positive, got {@base}.");
        var table = new double[(long)length * dim];
        for (int p = 0; p < length; p++)
        {
            for (int i = 0; i < dim / 2; i++)
            {
                double angle = p / Math.Pow(@base, 2.0 * i / dim);
                table[(long)p * dim + 2 * i] = Math.Sin(angle);
                table[(long)p * dim + 2 * i + 1] = Math.Cos(angle);
            }
        }
        var t = Tensor.From(table).Reshape(length, dim);
        var dt = dtype ?? Tensor.DefaultDType;
        return dt == DType.Float64 ? t : t.To(dt);
    }

    /// <summary>
    /// The inverse frequencies of rotary position embeddings: <c>base^(−2i/dim)</c> for i = 0 .. dim/2 − 1,
    /// computed in float64 and cast to <paramref name="dtype"/>.
    /// </summary>
    /// <param name="dim">The rotated features; even.</param>
    /// <param name="base">The wavelength base (default 10000).</param>
    /// <param name="dtype">The result's dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    public static Tensor RotaryInverseFrequencies(int dim, double @base = 10000, DType? dtype = null)
    {
        if (dim < 2 || dim % 2 != 0)
            throw OpErrors.Argument("rotary_embedding", $"expected an even dim >= 2, got {dim}.");
        if (!(@base > 0))
            throw OpErrors.Argument("rotary_embedding", $"base must be positive, got {@base}.");
        var f = new double[dim / 2];
        for (int i = 0; i < f.Length; i++) f[i] = Math.Pow(@base, -2.0 * i / dim);
        var t = Tensor.From(f);
        var dt = dtype ?? Tensor.DefaultDType;
        return dt == DType.Float64 ? t : t.To(dt);
    }

    /// <summary>
    /// The <c>[length, dim]</c> cosines and sines of rotary position embeddings for positions
    /// <paramref name="offset"/> .. offset + length − 1 in the halves layout: θ[p, j] = p · inv_freq[j mod dim/2],
    /// so features j and j + dim/2 share a frequency (GPT-NeoX / LLaMA).
    /// </summary>
    /// <param name="inverseFrequencies">[dim/2], e.g. <see cref="RotaryInverseFrequencies"/>; its dtype is the result's.</param>
    /// <param name="length">Number of positions.</param>
    /// <param name="offset">The first position (e.g. the tokens already in a cache).</param>
    public static (Tensor Cos, Tensor Sin) RotaryCosSin(Tensor inverseFrequencies, int length, int offset = 0)
    {
        ArgumentNullException.ThrowIfNull(inverseFrequencies);
        if (inverseFrequencies.Rank != 1 || !inverseFrequencies.DType.IsFloatingPoint())
            throw OpErrors.Argument("rotary_embedding", $"expected 1-D floating-point inverse frequencies, got {inverseFrequencies.DType.Name()}{inverseFrequencies.Shape}.");
        if (length < 0 || offset < 0)
            throw OpErrors.Argument("rotary_embedding", $"length and offset must be non-negative, got {length} and {offset}.");
        var positions = Tensor.Arange((long)offset, (long)offset + length, 1L, inverseFrequencies.DType);
        var freqs = positions.Unsqueeze(1) * inverseFrequencies.Unsqueeze(0);          // [L, dim/2]
        var angles = Tensor.Cat([freqs, freqs], -1);                                     // [L, dim]
        return (angles.Cos(), angles.Sin());
    }

    /// <summary>
    /// The halves swapped with the second negated: <c>[−x₂, x₁]</c> for <c>x = [x₁, x₂]</c> split in the last dim
    /// (the <c>rotate_half</c> of GPT-NeoX and LLaMA).
    /// </summary>
    /// <param name="input">[*, dim] with an even dim.</param>
    public static Tensor RotateHalf(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Rank == 0 || input.Size(-1) % 2 != 0)
            throw OpErrors.Argument("rotate_half", $"expected a last dim of even size, got shape {input.Shape}.");
        int half = input.Size(-1) / 2;
        return Tensor.Cat([-input.Narrow(-1, half, half), input.Narrow(-1, 0, half)], -1);
    }

    /// <summary>
    /// Applies rotary position embeddings: <c>x · cos + rotate_half(x) · sin</c>, which rotates each pair of
    /// features (j, j + dim/2) of position p by the angle θ[p, j] (the halves convention of GPT-NeoX and LLaMA;
    /// the interleaved convention of the original RoFormer pairs features (2j, 2j+1) instead).
    /// </summary>
    /// <param name="input">[*, L, dim], e.g. queries or keys [N, heads, L, head_dim].</param>
    /// <param name="cos">[L, dim] (or broadcastable to the input), from <see cref="RotaryCosSin"/>.</param>
    /// <param name="sin">The sines, the same shape as <paramref name="cos"/>.</param>
    public static Tensor ApplyRotaryEmbedding(Tensor input, Tensor cos, Tensor sin)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(cos);
        ArgumentNullException.ThrowIfNull(sin);
        if (cos.Shape != sin.Shape)
            throw OpErrors.Argument("apply_rotary_emb", $"cos and sin must have the same shape, got {cos.Shape} and {sin.Shape}.");
        if (input.Rank < 2 || !ShapeUtil.CanBroadcastTo(cos.Shape.AsSpan(), input.Shape.AsSpan()))
            throw OpErrors.Argument("apply_rotary_emb", $"cos/sin of shape {cos.Shape} do not broadcast to the input [*, L, dim] of shape {input.Shape}.");
        return input * cos + RotateHalf(input) * sin;
    }
}
