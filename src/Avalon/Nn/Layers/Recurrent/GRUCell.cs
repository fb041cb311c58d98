using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>
/// One step of a gated recurrent unit (PyTorch's <c>nn.GRUCell</c>): r = σ(x_r + h_r), z = σ(x_z + h_z),
/// n = tanh(x_n + r ⊙ h_n), h' = (1 − z) ⊙ n + z ⊙ h, where x_* and h_* are the thirds of
/// x W_ihᵀ + b_ih and h W_hhᵀ + b_hh.
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input <c>[B, input_size]</c> or <c>[input_size]</c>; h <c>[B, hidden_size]</c> or
/// <c>[hidden_size]</c> (zeros when not given); output like h.</para>
/// <para><b>Parameters</b> <c>weight_ih</c> <c>[3·hidden_size, input_size]</c> (rows r, z, n), <c>weight_hh</c>,
/// <c>bias_ih</c>, <c>bias_hh</c>, initialised ~ U(−1/√hidden_size, 1/√hidden_size).</para>
/// </remarks>
public class GRUCell : RNNCellBase
{
    /// <summary>Creates the cell and initialises it with <see cref="RNNCellBase.ResetParameters"/>.</summary>
    /// <param name="inputSize">The number of features of the input.</param>
    /// <param name="hiddenSize">The number of features of the hidden state.</param>
    /// <param name="bias">Whether to learn the biases b_ih and b_hh.</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    /// <exception cref="ArgumentException">A size is not positive.</exception>
    public GRUCell(int inputSize, int hiddenSize, bool bias = true, DType? dtype = null, Generator? generator = null)
        : base(inputSize, hiddenSize, bias, 3, dtype, generator) { }

    /// <summary>One step from a zero hidden state.</summary>
    /// <param name="input"><c>[B, input_size]</c> or <c>[input_size]</c>.</param>
    /// <returns>h', <c>[B, hidden_size]</c> or <c>[hidden_size]</c>.</returns>
    public override Tensor Forward(Tensor input) => Forward(input, null);

    /// <summary>One step (PyTorch's <c>h' = cell(input, hx)</c>).</summary>
    /// <param name="input"><c>[B, input_size]</c> or <c>[input_size]</c>.</param>
    /// <param name="hx">h, shaped like the output, or null for zeros.</param>
    /// <returns>h', <c>[B, hidden_size]</c> or <c>[hidden_size]</c>.</returns>
    /// <exception cref="ArgumentException">The input or the state has the wrong shape or dtype.</exception>
    public Tensor Forward(Tensor input, Tensor? hx)
    {
        var (x, h, batched) = Prepare(input, hx, "hx");
        h ??= ZeroState(x);
        var y = GruStep(Linear(x, WeightIh, BiasIh), h, WeightHh.T, BiasHh);
        return batched ? y : y.Squeeze(0);
    }
}
