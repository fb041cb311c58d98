namespace Avalon.Nn;

public static partial class Functional
{
    /// <summary>
    /// One step of an Elman RNN with tanh, h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (PyTorch's
    /// <c>torch.rnn_tanh_cell</c>).
    /// </summary>
    /// <param name="input">x, shape <c>[B, input_size]</c>.</param>
    /// <param name="hx">h, shape <c>[B, hidden_size]</c>.</param>
    /// <param name="weightIh">W_ih, shape <c>[hidden_size, input_size]</c>.</param>
    /// <param name="weightHh">W_hh, shape <c>[hidden_size, hidden_size]</c>.</param>
    /// <param name="biasIh">b_ih, shape <c>[hidden_size]</c>, or null.</param>
    /// <param name="biasHh">b_hh, shape <c>[hidden_size]</c>, or null.</param>
    /// <returns>h', shape <c>[B, hidden_size]</c>.</returns>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public static Tensor RnnTanhCell(Tensor input, Tensor hx, Tensor weightIh, Tensor weightHh, Tensor? biasIh = null, Tensor? biasHh = null)
    {
        CheckCell("rnn_tanh_cell", input, hx, weightIh, weightHh, 1);
        return RnnStep(Linear(input, weightIh, biasIh), hx, weightHh.T, biasHh, relu: false);
    }

    /// <summary>
    /// One step of an Elman RNN with ReLU, h' = relu(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh) (PyTorch's
    /// <c>torch.rnn_relu_cell</c>). Shapes as <see cref="RnnTanhCell"/>.
    /// </summary>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public static Tensor RnnReluCell(Tensor input, Tensor hx, Tensor weightIh, Tensor weightHh, Tensor? biasIh = null, Tensor? biasHh = null)
    {
        CheckCell("rnn_relu_cell", input, hx, weightIh, weightHh, 1);
        return RnnStep(Linear(input, weightIh, biasIh), hx, weightHh.T, biasHh, relu: true);
    }

    /// <summary>
    /// One step of an LSTM (PyTorch's <c>torch.lstm_cell</c>): the gates i, f, g, o are the four
    /// quarters of x W_ihᵀ + b_ih + h W_hhᵀ + b_hh; c' = σ(f) c + σ(i) tanh(g), h' = σ(o) tanh(c').
    /// </summary>
    /// <param name="input">x, shape <c>[B, input_size]</c>.</param>
    /// <param name="hx">(h, c), each of shape <c>[B, hidden_size]</c>.</param>
    /// <param name="weightIh">W_ih, shape <c>[4·hidden_size, input_size]</c> (rows in the order i, f, g, o).</param>
    /// <param name="weightHh">W_hh, shape <c>[4·hidden_size, hidden_size]</c>.</param>
    /// <param name="biasIh">b_ih, shape <c>[4·hidden_size]</c>, or null.</param>
    /// <param name="biasHh">b_hh, shape <c>[4·hidden_size]</c>, or null.</param>
    /// <returns>(h', c'), each of shape <c>[B, hidden_size]</c>.</returns>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public static (Tensor H, Tensor C) LstmCell(Tensor input, (Tensor H, Tensor C) hx, Tensor weightIh, Tensor weightHh,
        Tensor? biasIh = null, Tensor? biasHh = null)
    {
        ArgumentNullException.ThrowIfNull(hx.C);
        CheckCell("lstm_cell", input, hx.H, weightIh, weightHh, 4);
        if (hx.C.Shape != hx.H.Shape)
            throw OpErrors.Argument("lstm_cell", $"the cell state has shape {hx.C.Shape}, expected the hidden state's shape {hx.H.Shape}.");
        return LstmStep(Linear(input, weightIh, biasIh), hx.H, hx.C, weightHh.T, biasHh, null);
    }

    /// <summary>
    /// One step of a GRU (PyTorch's <c>torch.gru_cell</c>): with the thirds r, z, n of the input part
    /// x W_ihᵀ + b_ih and of the hidden part h W_hhᵀ + b_hh, r = σ(x_r + h_r), z = σ(x_z + h_z),
    /// n = tanh(x_n + r h_n) and h' = (1 − z) n + z h.
    /// </summary>
    /// <param name="input">x, shape <c>[B, input_size]</c>.</param>
    /// <param name="hx">h, shape <c>[B, hidden_size]</c>.</param>
    /// <param name="weightIh">W_ih, shape <c>[3·hidden_size, input_size]</c> (rows in the order r, z, n).</param>
    /// <param name="weightHh">W_hh, shape <c>[3·hidden_size, hidden_size]</c>.</param>
    /// <param name="biasIh">b_ih, shape <c>[3·hidden_size]</c>, or null.</param>
    /// <param name="biasHh">b_hh, shape <c>[3·hidden_size]</c>, or null.</param>
    /// <returns>h', shape <c>[B, hidden_size]</c>.</returns>
    /// <exception cref="ArgumentException">The shapes do not fit.</exception>
    public static Tensor GruCell(Tensor input, Tensor hx, Tensor weightIh, Tensor weightHh, Tensor? biasIh = null, Tensor? biasHh = null)
    {
        CheckCell("gru_cell", input, hx, weightIh, weightHh, 3);
        return GruStep(Linear(input, weightIh, biasIh), hx, weightHh.T, biasHh);
    }

    private static void CheckCell(string op, Tensor input, Tensor hx, Tensor weightIh, Tensor weightHh, int gates)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(hx);
        ArgumentNullException.ThrowIfNull(weightIh);
        ArgumentNullException.ThrowIfNull(weightHh);
        if (weightHh.Rank != 2 || weightHh.Size(0) != gates * weightHh.Size(1))
            throw OpErrors.Argument(
                op, $"expected weight_hh of shape [{gates}·hidden_size, hidden_size], got {weightHh.Shape}.");
        int hidden = weightHh.Size(1);
        if (weightIh.Rank != 2 || weightIh.Size(0) != gates * hidden)
            throw OpErrors.Argument(op, $"expected weight_ih of shape [{gates * hidden}, input_size] for hidden_size {hidden}, got {weightIh.Shape}.");
        if (input.Rank != 2 || input.Size(1) != weightIh.Size(1))
            throw OpErrors.Argument(op, $"expected an input of shape [batch, {weightIh.Size(1)}], got {input.Shape}.");
        if (hx.Rank != 2 || hx.Size(0) != input.Size(0) || hx.Size(1) != hidden)
            throw OpErrors.Argument(op, $"expected a hidden state of shape [{input.Size(0)}, {hidden}], got {hx.Shape}.");
    }

    // The steps below take the input part of the gates already computed (x W_ihᵀ + b_ih, and for RNN and
    // LSTM b_hh too), so a layer computes it for the whole sequence in one GEMM, and each step is one GEMM
    // with the hidden state (W_hhᵀ is passed transposed once per layer) plus the elementwise gate math.

    /// <summary>h' = act(xGates + h W_hhᵀ [+ b_hh]).</summary>
    internal static Tensor RnnStep(Tensor xGates, Tensor h, Tensor weightHhT, Tensor? biasHh, bool relu)
    {
        var pre = xGates + h.MatMul(weightHhT);
        if (biasHh is not null) pre += biasHh;
        return relu ? pre.Relu() : pre.Tanh();
    }

    /// <summary>The LSTM step; <paramref name="weightHrT"/> (W_hrᵀ) projects h' when proj_size &gt; 0.</summary>
    internal static (Tensor H, Tensor C) LstmStep(Tensor xGates, Tensor h, Tensor c, Tensor weightHhT, Tensor? biasHh, Tensor? weightHrT)
    {
        var gates = xGates + h.MatMul(weightHhT);
        if (biasHh is not null) gates += biasHh;
        var q = gates.Chunk(4, 1);
        var cNext = q[1].Sigmoid() * c + q[0].Sigmoid() * q[2].Tanh();
        var hNext = q[3].Sigmoid() * cNext.Tanh();
        if (weightHrT is not null) hNext = hNext.MatMul(weightHrT);
        return (hNext, cNext);
    }

    /// <summary>The GRU step: b_hh stays inside the reset gate's product, so it is not folded into <paramref name="xGates"/>.</summary>
    internal static Tensor GruStep(Tensor xGates, Tensor h, Tensor weightHhT, Tensor? biasHh)
    {
        var hGates = h.MatMul(weightHhT);
        if (biasHh is not null) hGates += biasHh;
        var x = xGates.Chunk(3, 1);
        var hh = hGates.Chunk(3, 1);
        var r = (x[0] + hh[0]).Sigmoid();
        var z = (x[1] + hh[1]).Sigmoid();
        var n = (x[2] + r * hh[2]).Tanh();
        return n + z * (h - n);
    }
}
