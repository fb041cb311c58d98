using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>
/// One step of an LSTM (PyTorch's <c>nn.LSTMCell</c>): with the gates i, f, g, o from
/// x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g) and h' = σ(o) ⊙ tanh(c').
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input <c>[B, input_size]</c> or <c>[input_size]</c>; h and c <c>[B, hidden_size]</c> or
/// <c>[hidden_size]</c> (zeros when not given); h' and c' alike.</para>
/// <para><b>Parameters</b> <c>weight_ih</c> <c>[4·hidden_size, input_size]</c> (rows i, f, g, o), <c>weight_hh</c>,
/// <c>bias_ih</c>, <c>bias_hh</c>, initialised ~ U(−1/√hidden_size, 1/√hidden_size).</para>
/// </remarks>
public class LSTMCell : RNNCellBase
{
    /// <summary>Creates the cell and initialises it with <see cref="RNNCellBase.ResetParameters"/>.</summary>
    /// <param name="inputSize">The number of features of the input.</param>
    /// <param name="hiddenSize">The number of features of the hidden and cell states.</param>
    /// <param name="bias">Whether to learn the biases b_ih and b_hh.</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public LSTMCell(int inputSize, int hiddenSize, bool bias = true, DType? dtype = null, Generator? generator = null)
        : base(inputSize, hiddenSize, bias, 4, dtype, generator) { }

    /// <summary>h' of one step from zero states (<c>cell(input)[0]</c>); see <see cref="Forward(Tensor, ValueTuple{Tensor, Tensor}?)"/> for c'.</summary>
    /// <param name="input"><c>[B, input_size]</c> or <c>[input_size]</c>.</param>
    /// <returns>h', <c>[B, hidden_size]</c> or <c>[hidden_size]</c>.</returns>
    public override Tensor Forward(Tensor input) => Forward(input, null).H;

    /// <summary>One step (PyTorch's <c>h', c' = cell(input, (h, c))</c>).</summary>
    /// <param name="input"><c>[B, input_size]</c> or <c>[input_size]</c>.</param>
    /// <param name="hx">(h, c), each shaped like the outputs, or null for zeros.</param>
    /// <returns>(h', c'), each <c>[B, hidden_size]</c> or <c>[hidden_size]</c>.</returns>
    /// <exception cref="ArgumentException">The input or a state has the wrong shape or dtype.</exception>
    public (Tensor H, Tensor C) Forward(Tensor input, (Tensor H, Tensor C)? hx)
    {
        if (hx is { } s && (s.H is null || s.C is null))
            throw new ArgumentNullException(nameof(hx), "LSTMCell: the state (h, c) must hold two tensors.");
        var (x, h, batched) = Prepare(input, hx?.H, "hx[0]");
        var (_, c, _) = Prepare(input, hx?.C, "hx[1]");
        h ??= ZeroState(x);
        c ??= ZeroState(x);
        var (hNext, cNext) = LstmStep(Linear(x, WeightIh, BiasIh), h, c, WeightHh.T, BiasHh, null);
        return batched ? (hNext, cNext) : (hNext.Squeeze(0), cNext.Squeeze(0));
    }
}
