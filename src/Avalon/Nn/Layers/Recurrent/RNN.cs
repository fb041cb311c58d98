namespace Avalon.Nn;

/// <summary>
/// A multi-layer Elman RNN, h_t = act(x_t W_ihᵀ + b_ih + h_{t−1} W_hhᵀ + b_hh) with act tanh or ReLU
/// (PyTorch's <c>nn.RNN</c>).
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input <c>[T, B, input_size]</c> (<c>[B, T, input_size]</c> with batch_first) or
/// unbatched <c>[T, input_size]</c>, or a <see cref="PackedSequence"/>; h_0 <c>[D·num_layers, B, hidden_size]</c>
/// (<c>[D·num_layers, hidden_size]</c> unbatched), zeros when not given. Output <c>[T, B, D·hidden_size]</c>
/// (batch first with batch_first), h_n like h_0; D = 2 when bidirectional, else 1.</para>
/// <para><b>Parameters</b> <c>weight_ih_l{k}</c>, <c>weight_hh_l{k}</c>, <c>bias_ih_l{k}</c>,
/// <c>bias_hh_l{k}</c> (and <c>_reverse</c>), initialised ~ U(−1/√hidden_size, 1/√hidden_size); see <see cref="RNNBase"/>.</para>
/// </remarks>
public class RNN : RNNBase
{
    /// <summary>Creates the network and initialises it with <see cref="RNNBase.ResetParameters"/>.</summary>
    /// <param name="inputSize">The number of features of each input step.</param>
    /// <param name="hiddenSize">The number of features of the hidden state.</param>
    /// <param name="numLayers">The number of stacked layers.</param>
    /// <param name="nonlinearity">"tanh" (default) or "relu".</param>
    /// <param name="bias">Whether to learn the biases b_ih and b_hh.</param>
    /// <param name="batchFirst">Whether padded inputs and outputs are <c>[B, T, *]</c>.</param>
    /// <param name="dropout">Dropout probability on the outputs of every layer but the last, in training mode.</param>
    /// <param name="bidirectional">Whether each layer also runs backwards in time.</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation and of the dropout masks.</param>
    /// <exception cref="ArgumentException">A size is not positive, the dropout is outside [0, 1], or the nonlinearity is unknown.</exception>
    public RNN(int inputSize, int hiddenSize, int numLayers = 1, string nonlinearity = "tanh", bool bias = true, bool batchFirst = false,
        double dropout = 0, bool bidirectional = false, DType? dtype = null, Generator? generator = null)
        : base(Kind(nonlinearity), inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, 0, dtype, generator)
    {
        Nonlinearity = nonlinearity;
    }

    private static CellKind Kind(string nonlinearity) => nonlinearity switch
    {
        "tanh" => CellKind.RnnTanh,
        "relu" => CellKind.RnnRelu,
        _ => throw OpErrors.Argument("RNN", $"unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.", nameof(nonlinearity)),
    };

    /// <summary>"tanh" or "relu".</summary>
    public string Nonlinearity { get; }

    /// <summary>The output sequence for zero initial states (<c>rnn(input)[0]</c>); see <see cref="Forward(Tensor, Tensor?)"/> for h_n.</summary>
    /// <param name="input"><c>[T, B, input_size]</c>, <c>[B, T, input_size]</c> with batch_first, or <c>[T, input_size]</c>.</param>
    /// <returns><c>[T, B, D·hidden_size]</c> (batch first with batch_first).</returns>
    public override Tensor Forward(Tensor input) => Forward(input, null).Output;

    /// <summary>Runs the network over a padded batch (PyTorch's <c>output, h_n = rnn(input, h_0)</c>).</summary>
    /// <param name="input"><c>[T, B, input_size]</c>, <c>[B, T, input_size]</c> with batch_first, or <c>[T, input_size]</c>.</param>
    /// <param name="hx">h_0, <c>[D·num_layers, B, hidden_size]</c> (<c>[D·num_layers, hidden_size]</c> unbatched), or null for zeros.</param>
    /// <returns>The output of the last layer at every step, and the final hidden state of every layer and direction.</returns>
    /// <exception cref="ArgumentException">The input or the state has the wrong shape or dtype.</exception>
    public (Tensor Output, Tensor HN) Forward(Tensor input, Tensor? hx)
    {
        var (output, hN, _) = RunPadded(input, hx, null);
        return (output, hN);
    }

    /// <summary>Runs the network over a packed batch of variable-length sequences.</summary>
    /// <param name="input">The packed sequences.</param>
    /// <param name="hx">h_0 <c>[D·num_layers, B, hidden_size]</c> in the original batch order, or null for zeros.</param>
    /// <returns>The packed output (same layout as the input) and h_n, each sequence's state after its own last step, in the original batch order.</returns>
    /// <exception cref="ArgumentException">The input or the state has the wrong shape or dtype.</exception>
    public (PackedSequence Output, Tensor HN) Forward(PackedSequence input, Tensor? hx = null)
    {
        var (output, hN, _) = RunPacked(input, hx, null);
        return (output, hN);
    }
}
