using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>
/// One step of an Elman RNN, h' = act(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) with act tanh or ReLU (PyTorch's <c>nn.RNNCell</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input <c>[B, input_size]</c> or <c>[input_size]</c>; h <c>[B, hidden_size]</c> or
/// <c>[hidden_size]</c> (zeros when not given); output like h.</para>
/// <para><b>Parameters</b> <c>weight_ih</c>, <c>weight_hh</c>, <c>bias_ih</c>, <c>bias_hh</c>, initialised
/// ~ U(−1/√hidden_size, 1/√hidden_size).</para>
/// </remarks>
public class RNNCell : RNNCellBase
{
    /// <summary>Creates the cell and initialises it with <see cref="RNNCellBase.ResetParameters"/>.</summary>
    /// <param name="inputSize">The number of features of the input.</param>
    /// <param name="hiddenSize">The number of features of the hidden state.</param>
    /// <param name="bias">Whether to learn the biases b_ih and b_hh.</param>
    /// <param name="nonlinearity">"tanh" (default) or "relu".</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation.</param>
    /// <exception cref="ArgumentException">A size is not positive or the nonlinearity is unknown.</exception>
    public RNNCell(int inputSize, int hiddenSize, bool bias = true, string nonlinearity = "tanh", DType? dtype = null, Generator? generator = null)
        : base(inputSize, hiddenSize, bias, 1, dtype, generator)
    {
        if (nonlinearity is not ("tanh" or "relu"))
            throw OpErrors.Argument("RNNCell", $"unknown nonlinearity: {nonlinearity}. Select from 'tanh' or 'relu'.", nameof(nonlinearity));
        Nonlinearity = nonlinearity;
    }

    /// <summary>"tanh" or "relu".</summary>
    public string Nonlinearity { get; }

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
        var y = RnnStep(Linear(x, WeightIh, BiasIh), h, WeightHh.T, BiasHh, Nonlinearity == "relu");
        return batched ? y : y.Squeeze(0);
    }

    /// <inheritdoc />
    public override string ExtraRepr() => Nonlinearity == "tanh" ? base.ExtraRepr() : base.ExtraRepr() + ", nonlinearity=" + Nonlinearity;
}
