namespace Avalon.Onnx.Ops;

/// <summary>
/// ONNX's LSTM, GRU and RNN, composed step by step from matmuls and elementwise ops (so the tape records
/// them and gradients flow to the weights): forward, reverse and bidirectional, layouts 0 and 1, peepholes,
/// clip, input_forget, linear_before_reset, every named activation, and forward sequence_lens masking.
/// </summary>
internal static class RecurrentOps
{
    private enum Cell { Rnn, Gru, Lstm }

    public static void Register(Dictionary<string, OnnxOp> t)
    {
        t.Add("RNN", c => Run(c, Cell.Rnn));
        t.Add("GRU", c => Run(c, Cell.Gru));
        t.Add("LSTM", c => Run(c, Cell.Lstm));
    }

    private static Tensor?[] Run(OnnxOpContext c, Cell cell)
    {
        var x = c.Input(0);
        var w = c.Input(1);
        var r = c.Input(2);
        var b = c.OptionalInput(3);
        var seqLens = c.OptionalInput(4);
        var h0 = c.OptionalInput(5);
        var c0 = cell == Cell.Lstm ? c.OptionalInput(6) : null;
        var peep = cell == Cell.Lstm ? c.OptionalInput(7) : null;
        int layout = (int)c.Int("layout", 0);
        if (layout == 1)
        {
            x = x.Transpose(0, 1);
            h0 = h0?.Transpose(0, 1);
            c0 = c0?.Transpose(0, 1);
        }
        int gates = cell switch { Cell.Rnn => 1, Cell.Gru => 3, _ => 4 };
        int hidden = (int)c.Int("hidden_size", r.Shape[2]);
        string direction = c.String("direction", "forward");
        int dirs = direction == "bidirectional" ? 2 : 1;
        int seq = x.Shape[0], batch = x.Shape[1];
        double? clip = c.Node.Has("clip") ? c.Float("clip", 0) : null;
        var acts = Activations(c, cell, dirs);
        long[]? lens = seqLens is null ? null : OnnxShapes.Longs(seqLens);
        bool masked = lens is not null && lens.Any(l => l != seq);
        var ys = new Tensor[dirs];
        var hs = new Tensor[dirs];
        var cs = new Tensor[dirs];
        for (int d = 0; d < dirs; d++)
        {
            bool reverse = direction == "reverse" || d == 1;
            if (reverse && masked) throw c.Unsupported("reverse direction with varying sequence_lens");
            var wd = w.Select(0, d);
            var rd = r.Select(0, d);
            Tensor? wb = null, rb = null;
            if (b is not null)
            {
                var bd = b.Select(0, d);
                wb = bd.Slice(0, 0, gates * hidden);
                rb = bd.Slice(0, gates * hidden, 2 * gates * hidden);
            }
            var h = h0 is null ? Tensor.Zeros([batch, hidden], x.DType) : h0.Select(0, d);
            var cstate = c0 is null ? Tensor.Zeros([batch, hidden], x.DType) : c0.Select(0, d);
            Tensor? pi = null, po = null, pf = null;
            if (peep is not null)
            {
                var pd = peep.Select(0, d);
                pi = pd.Slice(0, 0, hidden); po = pd.Slice(0, hidden, 2 * hidden); pf = pd.Slice(0, 2 * hidden, 3 * hidden);
            }
            // Input projections of every step at once: [seq, batch, gates·hidden].
            var xw = x.MatMul(wd.T);
            if (wb is not null) xw = xw + wb;
            var outputs = new Tensor[seq];
            var f = acts[d][0];
            for (int s = 0; s < seq; s++)
            {
                int step = reverse ? seq - 1 - s : s;
                var xt = xw.Select(0, step);
                Tensor hNew, cNew = cstate;
                switch (cell)
                {
                    case Cell.Rnn:
                    {
                        var pre = xt + h.MatMul(rd.T);
                        if (rb is not null) pre = pre + rb;
                        hNew = f(Clip(pre, clip));
                        break;
                    }
                    case Cell.Gru:
                    {
                        var g = acts[d][1];
                        var xz = xt.Slice(1, 0, hidden); var xr = xt.Slice(1, hidden, 2 * hidden); var xh = xt.Slice(1, 2 * hidden, 3 * hidden);
                        var rz = rd.Slice(0, 0, hidden); var rr = rd.Slice(0, hidden, 2 * hidden); var rh = rd.Slice(0, 2 * hidden, 3 * hidden);
                        var hz = h.MatMul(rz.T); var hr = h.MatMul(rr.T);
                        if (rb is not null) { hz = hz + rb.Slice(0, 0, hidden); hr = hr + rb.Slice(0, hidden, 2 * hidden); }
                        var z = f(Clip(xz + hz, clip));
                        var rg = f(Clip(xr + hr, clip));
                        var rbh = rb?.Slice(0, 2 * hidden, 3 * hidden);
                        Tensor hh;
                        if (c.Int("linear_before_reset", 0) != 0)
                        {
                            var lin = h.MatMul(rh.T);
                            if (rbh is not null) lin = lin + rbh;
                            hh = g(Clip(xh + rg * lin, clip));
                        }
                        else
                        {
                            var lin = (rg * h).MatMul(rh.T);
                            if (rbh is not null) lin = lin + rbh;
                            hh = g(Clip(xh + lin, clip));
                        }
                        hNew = (1 - z) * hh + z * h;
                        break;
                    }
                    default:
                    {
                        var g = acts[d][1];
                        var hAct = acts[d][2];
                        var pre = xt + h.MatMul(rd.T);
                        if (rb is not null) pre = pre + rb;
                        var pI = pre.Slice(1, 0, hidden); var pO = pre.Slice(1, hidden, 2 * hidden);
                        var pF = pre.Slice(1, 2 * hidden, 3 * hidden); var pC = pre.Slice(1, 3 * hidden, 4 * hidden);
                        if (pi is not null) pI = pI + pi * cstate;
                        if (pf is not null) pF = pF + pf * cstate;
                        var i = f(Clip(pI, clip));
                        var fg = c.Int("input_forget", 0) != 0 ? 1 - i : f(Clip(pF, clip));
                        var cc = g(Clip(pC, clip));
                        cNew = fg * cstate + i * cc;
                        if (po is not null) pO = pO + po * cNew;
                        var o = f(Clip(pO, clip));
                        hNew = o * hAct(cNew);
                        break;
                    }
                }
                if (masked)
                {
                    var alive = Tensor.From(lens!.Select(l => s < l).ToArray(), batch, 1);
                    outputs[step] = Tensor.Where(alive, hNew, Tensor.Scalar(0, hNew.DType));
                    hNew = Tensor.Where(alive, hNew, h);
                    cNew = Tensor.Where(alive, cNew, cstate);
                }
                else outputs[step] = hNew;
                h = hNew;
                cstate = cNew;
            }
            ys[d] = Tensor.Stack(outputs, 0);
            hs[d] = h;
            cs[d] = cstate;
        }
        var y = Tensor.Stack(ys, 1);          // [seq, dirs, batch, hidden]
        var yh = Tensor.Stack(hs, 0);         // [dirs, batch, hidden]
        var yc = Tensor.Stack(cs, 0);
        if (layout == 1)
        {
            y = y.Permute(2, 0, 1, 3);
            yh = yh.Transpose(0, 1);
            yc = yc.Transpose(0, 1);
        }
        return cell == Cell.Lstm ? [y, yh, yc] : [y, yh];
    }

    private static Tensor Clip(Tensor t, double? clip) => clip is { } v ? t.Clamp(-v, v) : t;

    private static Func<Tensor, Tensor>[][] Activations(OnnxOpContext c, Cell cell, int dirs)
    {
        string[] defaults = cell switch { Cell.Rnn => ["Tanh"], Cell.Gru => ["Sigmoid", "Tanh"], _ => ["Sigmoid", "Tanh", "Tanh"] };
        var names = c.Strings("activations");
        var alphas = c.Floats("activation_alpha");
        var betas = c.Floats("activation_beta");
        var result = new Func<Tensor, Tensor>[dirs][];
        int k = 0;
        for (int d = 0; d < dirs; d++)
        {
            result[d] = new Func<Tensor, Tensor>[defaults.Length];
            for (int j = 0; j < defaults.Length; j++, k++)
            {
                string name = names is { Length: > 0 } ? names[k % names.Length] : defaults[j];
                double? alpha = alphas is not null && k < alphas.Length ? alphas[k] : null;
                double? beta = betas is not null && k < betas.Length ? betas[k] : null;
                result[d][j] = Activation(c, name, alpha, beta);
            }
        }
        return result;
    }

    private static Func<Tensor, Tensor> Activation(OnnxOpContext c, string name, double? alpha, double? beta) => name.ToLowerInvariant() switch
    {
        "sigmoid" => t => t.Sigmoid(),
        "tanh" => t => t.Tanh(),
        "relu" => t => t.Relu(),
        "affine" => t => t * (alpha ?? 1) + (beta ?? 0),
        "leakyrelu" => t => Avalon.Nn.Functional.LeakyRelu(t, alpha ?? 0.01),
        "thresholdedrelu" => t => Tensor.Where(t.Gt(alpha ?? 1), t, Tensor.Scalar(0, t.DType)),
        "scaledtanh" => t => (t * (beta ?? 1)).Tanh() * (alpha ?? 1),
        "hardsigmoid" => t => (t * (alpha ?? 0.2) + (beta ?? 0.5)).Clamp(0, 1),
        "elu" => t => Avalon.Nn.Functional.Elu(t, alpha ?? 1),
        "softsign" => t => t / (t.Abs() + 1),
        "softplus" => t => t.Relu() + t.Abs().Neg().Exp().Log1p(),
        _ => throw c.Unsupported($"activation '{name}'"),
    };
}
