namespace Avalon.Nn;

/// <summary>
/// A multi-layer long short-term memory network (PyTorch's <c>nn.LSTM</c>): with the gates i, f, g, o
/// from x W_ihᵀ + b_ih + h W_hhᵀ + b_hh, c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g) and h' = σ(o) ⊙ tanh(c'),
/// projected to h' W_hrᵀ when proj_size &gt; 0.
/// </summary>
/// <remarks>
/// <para><b>Shape:</b> input <c>[T, B, input_size]</c> (<c>[B, T, input_size]</c> with batch_first) or
/// unbatched <c>[T, input_size]</c>, or a <see cref="PackedSequence"/>; h_0 <c>[D·num_layers, B, H_out]</c> and
/// c_0 <c>[D·num_layers, B, hidden_size]</c> (without the batch dim when unbatched), zeros when not given.
/// Output <c>[T, B, D·H_out]</c>, h_n and c_n like h_0 and c_0; D = 2 when bidirectional, else 1, and
/// H_out = proj_size when set, else hidden_size.</para>
/// <para><b>Parameters</b> <c>weight_ih_l{k}</c> <c>[4·hidden_size, *]</c> (rows i, f, g, o), <c>weight_hh_l{k}</c>
/// <c>[4·hidden_size, H_out]</c>, <c>bias_ih_l{k}</c>, <c>bias_hh_l{k}</c>, <c>weight_hr_l{k}</c>
/// <c>[proj_size, hidden_size]</c> with a projection (and <c>_reverse</c>), initialised ~ U(−1/√hidden_size, 1/√hidden_size).</para>
/// </remarks>
public class LSTM : RNNBase
{
    /// <summary>Creates the network and initialises it with <see cref="RNNBase.ResetParameters"/>.</summary>
    /// <param name="inputSize">The number of features of each input step.</param>
    /// <param name="hiddenSize">The number of features of the cell state (and of h without a projection).</param>
    /// <param name="numLayers">The number of stacked layers.</param>
    /// <param name="bias">Whether to learn the biases b_ih and b_hh.</param>
    /// <param name="batchFirst">Whether padded inputs and outputs are <c>[B, T, *]</c>.</param>
    /// <param name="dropout">Dropout probability on the outputs of every layer but the last, in training mode.</param>
    /// <param name="bidirectional">Whether each layer also runs backwards in time.</param>
    /// <param name="projSize">The size of the projected hidden state h (0: no projection; else below hidden_size).</param>
    /// <param name="dtype">The parameters' dtype (default <see cref="Tensor.DefaultDType"/>).</param>
    /// <param name="generator">The random source of the initialisation and of the dropout masks.</param>
    /// <exception cref="ArgumentException">A size is out of range or the dropout is outside [0, 1].</exception>
    public LSTM(int inputSize, int hiddenSize, int numLayers = 1, bool bias = true, bool batchFirst = false, double dropout = 0,
        bool bidirectional = false, int projSize = 0, DType? dtype = null, Generator? generator = null)
        : base(CellKind.Lstm, inputSize, hiddenSize, numLayers, bias, batchFirst, dropout, bidirectional, projSize, dtype, generator) { }

    /// <summary>The output sequence for zero initial states (<c>lstm(input)[0]</c>); see <see cref="Forward(Tensor, ValueTuple{Tensor, Tensor}?)"/> for (h_n, c_n).</summary>
    /// <param name="input"><c>[T, B, input_size]</c>, <c>[B, T, input_size]</c> with batch_first, or <c>[T, input_size]</c>.</param>
    /// <returns><c>[T, B, D·H_out]</c> (batch first with batch_first).</returns>
    public override Tensor Forward(Tensor input) => Forward(input, null).Output;

    /// <summary>Runs the network over a padded batch (PyTorch's <c>output, (h_n, c_n) = lstm(input, (h_0, c_0))</c>).</summary>
    /// <param name="input"><c>[T, B, input_size]</c>, <c>[B, T, input_size]</c> with batch_first, or <c>[T, input_size]</c>.</param>
    /// <param name="hx">(h_0, c_0), or null for zeros.</param>
    /// <returns>The output of the last layer at every step, and the final (h, c) of every layer and direction.</returns>
    /// <exception cref="ArgumentException">The input or a state has the wrong shape or dtype.</exception>
    public (Tensor Output, (Tensor H, Tensor C) State) Forward(Tensor input, (Tensor H, Tensor C)? hx)
    {
        var (output, hN, cN) = RunPadded(input, Checked(hx)?.H, hx?.C);
        return (output, (hN, cN!));
    }

    /// <summary>Runs the network over a packed batch of variable-length sequences.</summary>
    /// <param name="input">The packed sequences.</param>
    /// <param name="hx">(h_0, c_0) in the original batch order, or null for zeros.</param>
    /// <returns>The packed output (same layout as the input) and (h_n, c_n), each sequence's states after its own last step, in the original batch order.</returns>
    /// <exception cref="ArgumentException">The input or a state has the wrong shape or dtype.</exception>
    public (PackedSequence Output, (Tensor H, Tensor C) State) Forward(PackedSequence input, (Tensor H, Tensor C)? hx = null)
    {
        var (output, hN, cN) = RunPacked(input, Checked(hx)?.H, hx?.C);
        return (output, (hN, cN!));
    }

    private static (Tensor H, Tensor C)? Checked((Tensor H, Tensor C)? hx)
    {
        if (hx is { } s && (s.H is null || s.C is null))
            throw new ArgumentNullException(nameof(hx), "LSTM: the initial state (h_0, c_0) must hold two tensors.");
        return hx;
    }
}
