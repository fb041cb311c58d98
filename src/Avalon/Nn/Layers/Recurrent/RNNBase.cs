using System.Globalization;
using static Avalon.Nn.Functional;

namespace Avalon.Nn;

/// <summary>
/// What <see cref="RNN"/>, <see cref="LSTM"/> and <see cref="GRU"/> share (PyTorch's <c>RNNBase</c>): the
/// hyperparameters, the per-layer and per-direction parameters with PyTorch's names and initialisation,
/// argument and state checks, and the loop over layers, directions and time steps.
/// </summary>
/// <remarks>
/// <para><b>Parameters</b> (PyTorch's <c>state_dict</c> keys), for each layer k and direction (suffix
/// <c>_reverse</c> for the backward direction of a bidirectional network), in this order:
/// <c>weight_ih_l{k}</c> <c>[G·hidden_size, input]</c> (input = input_size for layer 0, else
/// D·H_out), <c>weight_hh_l{k}</c> <c>[G·hidden_size, H_out]</c>, <c>bias_ih_l{k}</c> and
/// <c>bias_hh_l{k}</c> <c>[G·hidden_size]</c> (when bias), and for an LSTM with proj_size &gt; 0
/// <c>weight_hr_l{k}</c> <c>[proj_size, hidden_size]</c>; G is 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU:
/// r, z, n), D is 2 when bidirectional, else 1, and H_out is proj_size when set, else hidden_size.</para>
/// <para><b>Initialisation</b> (as PyTorch): every weight and bias ~ U(−1/√hidden_size, 1/√hidden_size).</para>
/// <para><b>Computation:</b> per layer and direction, the input part of the gates x W_ihᵀ + b_ih (+ b_hh for
/// RNN and LSTM) is one GEMM over all time steps; each step adds h W_hhᵀ (one GEMM) and applies the gate
/// math. Between layers, dropout with probability <see cref="Dropout"/> applies in training mode.
/// Packed sequences run the same loop with the batch shrinking as sequences end; each sequence's final
/// state is taken at its own last step.</para>
/// </remarks>
public abstract class RNNBase : Module
{
    private protected enum CellKind
    {
        RnnTanh,
        RnnRelu,
        Lstm,
        Gru,
    }

    private readonly CellKind _cell;
    private readonly string[][] _names;
    private readonly IReadOnlyList<IReadOnlyList<string>> _readOnlyNames;

    private protected RNNBase(CellKind cell, int inputSize, int hiddenSize, int numLayers, bool bias, bool batchFirst, double dropout,
        bool bidirectional, int projSize, DType? dtype, Generator? generator)
    {
        string name = TypeName;
        if (inputSize < 0)
            throw OpErrors.Argument(name, $"input_size must be non-negative, got {inputSize}.", nameof(inputSize));
        if (hiddenSize <= 0)
            throw OpErrors.Argument(name, $"hidden_size must be greater than zero, got {hiddenSize}.", nameof(hiddenSize));
        if (numLayers <= 0)
            throw OpErrors.Argument(name, $"num_layers must be greater than zero, got {numLayers}.", nameof(numLayers));
        if (!(dropout >= 0 && dropout <= 1))
            throw OpErrors.Argument(
                name, $"dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got {dropout}.", nameof(dropout));
        if (projSize < 0)
            throw OpErrors.Argument(name, $"proj_size should be a positive integer or zero to disable projections, got {projSize}.", nameof(projSize));
        if (projSize >= hiddenSize)
            throw OpErrors.Argument(name, $"proj_size has to be smaller than hidden_size, got proj_size={projSize} and hidden_size={hiddenSize}.", nameof(projSize));
        _cell = cell;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        Bias = bias;
        BatchFirst = batchFirst;
        Dropout = dropout;
        Bidirectional = bidirectional;
        ProjSize = projSize;
        Generator = generator;

        var dt = dtype ?? Tensor.DefaultDType;
        int gateSize = GateCount * hiddenSize, outSize = OutputHiddenSize, directions = NumDirections;
        _names = new string[numLayers * directions][];
        for (int layer = 0; layer < numLayers; layer++)
        {
            int layerInput = layer == 0 ? inputSize : outSize * directions;
            for (int d = 0; d < directions; d++)
            {
                string suffix = string.Create(CultureInfo.InvariantCulture, $"_l{layer}{(d == 1 ? "_reverse" : "")}");
                var names = new List<string>(5);
                void Add(string baseName, int[] shape)
                {
                    names.Add(baseName + suffix);
                    RegisterParameter(baseName + suffix, Tensor.Zeros(shape, dt).RequiresGrad_());
                }
                Add("weight_ih", [gateSize, layerInput]);
                Add("weight_hh", [gateSize, outSize]);
                if (bias)
                {
                    Add("bias_ih", [gateSize]);
                    Add("bias_hh", [gateSize]);
                }
                if (projSize > 0) Add("weight_hr", [projSize, hiddenSize]);
                _names[layer * directions + d] = names.ToArray();
            }
        }
        _readOnlyNames = Array.ConvertAll(_names, n => (IReadOnlyList<string>)Array.AsReadOnly(n));
        ResetParameters(generator);
    }

    /// <summary>The number of features of each input step.</summary>
    public int InputSize { get; }

    /// <summary>The number of features of the hidden state (of the cell state for an LSTM with a projection).</summary>
    public int HiddenSize { get; }

    /// <summary>The number of stacked recurrent layers.</summary>
    public int NumLayers { get; }

    /// <summary>Whether the layers have the biases b_ih and b_hh.</summary>
    public bool Bias { get; }

    /// <summary>Whether padded inputs and outputs are <c>[B, T, *]</c> rather than <c>[T, B, *]</c> (the states stay <c>[L·D, B, H]</c>).</summary>
    public bool BatchFirst { get; }

    /// <summary>The probability of the dropout applied to the outputs of every layer but the last, in training mode.</summary>
    public double Dropout { get; }

    /// <summary>Whether each layer also runs backwards in time (D = 2).</summary>
    public bool Bidirectional { get; }

    /// <summary>The size of the LSTM's projected hidden state h (0: no projection).</summary>
    public int ProjSize { get; }

    /// <summary>The generator of the inter-layer dropout masks (null: <see cref="Avalon.Generator.Default"/>).</summary>
    [Ignore]
    public Generator? Generator { get; set; }

    /// <summary>1, or 2 when bidirectional.</summary>
    public int NumDirections => Bidirectional ? 2 : 1;

    /// <summary>The size of h in the outputs: proj_size when set, else hidden_size.</summary>
    public int OutputHiddenSize => ProjSize > 0 ? ProjSize : HiddenSize;

    /// <summary>
    /// The parameter names of each layer and direction (PyTorch's <c>_flat_weights_names</c>, grouped):
    /// entry <c>layer · D + direction</c> holds <c>weight_ih_l{k}</c>, <c>weight_hh_l{k}</c> and, as configured,
    /// the biases and <c>weight_hr_l{k}</c>.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<string>> ParameterNames => _readOnlyNames;

    /// <summary>W_ih of a layer and direction.</summary>
    public Tensor WeightIh(int layer, bool reverse = false) => Get("weight_ih", layer, reverse)!;

    /// <summary>W_hh of a layer and direction.</summary>
    public Tensor WeightHh(int layer, bool reverse = false) => Get("weight_hh", layer, reverse)!;

    /// <summary>b_ih of a layer and direction, or null without biases.</summary>
    public Tensor? BiasIh(int layer, bool reverse = false) => Bias ? Get("bias_ih", layer, reverse) : null;

    /// <summary>b_hh of a layer and direction, or null without biases.</summary>
    public Tensor? BiasHh(int layer, bool reverse = false) => Bias ? Get("bias_hh", layer, reverse) : null;

    /// <summary>The LSTM projection W_hr of a layer and direction, or null without a projection.</summary>
    public Tensor? WeightHr(int layer, bool reverse = false) => ProjSize > 0 ? Get("weight_hr", layer, reverse) : null;

    private Tensor? Get(string baseName, int layer, bool reverse)
    {
        if (layer < 0 || layer >= NumLayers)
            throw OpErrors.OutOfRange(TypeName, nameof(layer), $"layer {layer} is out of range for {NumLayers} layers.");
        if (reverse && !Bidirectional)
            throw OpErrors.Argument(TypeName, $"there is no reverse direction; the module is not bidirectional.", nameof(reverse));
        return RegisteredParameter(string.Create(CultureInfo.InvariantCulture, $"{baseName}_l{layer}{(reverse ? "_reverse" : "")}"));
    }

    private int GateCount => _cell switch
    {
        CellKind.Lstm => 4,
        CellKind.Gru => 3,
        _ => 1,
    };

    /// <summary>Draws fresh parameters the way PyTorch does: every weight and bias ~ U(−1/√hidden_size, 1/√hidden_size).</summary>
    public void ResetParameters(Generator? generator = null)
    {
        double bound = 1 / Math.Sqrt(HiddenSize);
        foreach (var names in _names)
            foreach (var n in names) Init.Uniform_(RegisteredParameter(n)!, -bound, bound, generator);
    }

    /// <inheritdoc />
    public override string ExtraRepr()
    {
        var s = string.Create(CultureInfo.InvariantCulture, $"{InputSize}, {HiddenSize}");
        if (ProjSize != 0) s += string.Create(CultureInfo.InvariantCulture, $", proj_size={ProjSize}");
        if (NumLayers != 1) s += string.Create(CultureInfo.InvariantCulture, $", num_layers={NumLayers}");
        if (!Bias) s += ", bias=False";
        if (BatchFirst) s += ", batch_first=True";
        if (Dropout != 0) s += ", dropout=" + PythonRepr.Float(Dropout);
        if (Bidirectional) s += ", bidirectional=True";
        return s;
    }

    /// <summary>
    /// Runs the network on a padded input: checks it, adds the batch dim of an unbatched input, moves the
    /// batch to dim 1, and undoes both on the results.
    /// </summary>
    private protected (Tensor Output, Tensor HN, Tensor? CN) RunPadded(Tensor input, Tensor? h0, Tensor? c0)
    {
        ArgumentNullException.ThrowIfNull(input);
        string name = TypeName;
        if (input.Rank is not (2 or 3))
            throw OpErrors.Argument(name, $"expected input to be 2-D (unbatched [T, input_size]) or 3-D, got {input.Rank}-D tensor of shape {input.Shape} instead.", nameof(input));
        CheckInput(input);
        bool batched = input.Rank == 3;
        if (!batched)
        {
            CheckUnbatchedState(h0, "hx");
            CheckUnbatchedState(c0, "cx");
            input = input.Unsqueeze(BatchFirst ? 0 : 1);
            h0 = h0?.Unsqueeze(1);
            c0 = c0?.Unsqueeze(1);
        }
        else
        {
            if (h0 is not null && h0.Rank != 3)
                throw OpErrors.Argument(name, $"for batched 3-D input, hx should also be 3-D but got {h0.Rank}-D tensor of shape {h0.Shape}.");
            if (c0 is not null && c0.Rank != 3)
                throw OpErrors.Argument(name, $"for batched 3-D input, cx should also be 3-D but got {c0.Rank}-D tensor of shape {c0.Shape}.");
        }
        var timeMajor = BatchFirst ? input.Transpose(0, 1) : input;
        int steps = timeMajor.Size(0), batch = timeMajor.Size(1);
        if (steps == 0)
            throw OpErrors.Argument(name, $"expected a sequence of at least one step, got input of shape {input.Shape}{(BatchFirst ? " (batch_first)" : "")}.", nameof(input));
        var batchSizes = new int[steps];
        Array.Fill(batchSizes, batch);
        var data = timeMajor.Reshape([steps * batch, InputSize]);
        var (output, hN, cN) = Run(data, batchSizes, h0, c0);
        output = output.Reshape([steps, batch, output.Size(1)]);
        if (BatchFirst) output = output.Transpose(0, 1);
        if (!batched)
        {
            output = output.Squeeze(BatchFirst ? 0 : 1);
            hN = hN.Squeeze(1);
            cN = cN?.Squeeze(1);
        }
        return (output, hN, cN);
    }

    /// <summary>Runs the network on a packed input; the states are in the original batch order on both sides.</summary>
    private protected (PackedSequence Output, Tensor HN, Tensor? CN) RunPacked(PackedSequence input, Tensor? h0, Tensor? c0)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Data.Rank != 2)
            throw OpErrors.Argument(TypeName, $"expected packed data of shape [sum(batch_sizes), input_size], got {input.Data.Shape}.", nameof(input));
        CheckInput(input.Data);
        if (input.SortedIndices is { } sorted)
        {
            h0 = h0?.IndexSelect(1, sorted);
            c0 = c0?.IndexSelect(1, sorted);
        }
        var (output, hN, cN) = Run(input.Data, input.BatchSizeArray(), h0, c0);
        if (input.UnsortedIndices is { } unsorted)
        {
            hN = hN.IndexSelect(1, unsorted);
            cN = cN?.IndexSelect(1, unsorted);
        }
        return (input.WithData(output), hN, cN);
    }

    private void CheckInput(Tensor input)
    {
        if (input.Size(-1) != InputSize)
            throw OpErrors.Argument(TypeName, $"input.size(-1) must be equal to input_size. Expected {InputSize}, got {input.Size(-1)} (input shape {input.Shape}).", nameof(input));
        var dtype = WeightIh(0).DType;
        if (input.DType != dtype)
            throw OpErrors.Argument(TypeName, $"input must have the type {dtype.Name()}, got type {input.DType.Name()}. Convert the input or the module with .To(DType).", nameof(input));
    }

    private void CheckUnbatchedState(Tensor? state, string what)
    {
        if (state is not null && state.Rank != 2)
            throw OpErrors.Argument(TypeName, $"for unbatched 2-D input, {what} should also be 2-D but got {state.Rank}-D tensor of shape {state.Shape}.");
    }

    private void CheckState(Tensor state, int batch, int size, string what)
    {
        int[] expected = [NumLayers * NumDirections, batch, size];
        if (state.Rank != 3 || state.Size(0) != expected[0] || state.Size(1) != expected[1] || state.Size(2) != expected[2])
            throw OpErrors.Argument(
                TypeName, $"expected {what} size {PythonRepr.Tuple(expected)} ([num_layers·num_directions, batch, {(size == HiddenSize ? "hidden_size" : "proj_size")}]), got {state.Shape}.");
        var dtype = WeightIh(0).DType;
        if (state.DType != dtype)
            throw OpErrors.Argument(TypeName, $"{what} must have the type {dtype.Name()}, got type {state.DType.Name()}.");
    }

    /// <summary>
    /// The loop over layers, directions and steps, on time-major packed rows: <paramref name="data"/> holds
    /// the steps one after the other, step t with <paramref name="batchSizes"/>[t] rows (the first rows of
    /// the batch: sequences are sorted by decreasing length). States are <c>[L·D, B, *]</c>.
    /// </summary>
    private (Tensor Output, Tensor HN, Tensor? CN) Run(Tensor data, int[] batchSizes, Tensor? h0, Tensor? c0)
    {
        int batch = batchSizes[0], directions = NumDirections, outSize = OutputHiddenSize;
        bool lstm = _cell == CellKind.Lstm;
        var dtype = data.DType;
        if (h0 is not null) CheckState(h0, batch, outSize, lstm ? "hidden[0]" : "hidden");
        if (c0 is not null) CheckState(c0, batch, HiddenSize, "hidden[1]");
        if (lstm && (h0 is null) != (c0 is null))
            throw OpErrors.Argument(TypeName, $"give both initial states (h_0, c_0) or neither.");
        h0 ??= Tensor.Zeros([NumLayers * directions, batch, outSize], dtype, data.Device);
        if (lstm) c0 ??= Tensor.Zeros([NumLayers * directions, batch, HiddenSize], dtype, data.Device);
        var h0s = h0.Unbind(0);
        var c0s = c0?.Unbind(0);

        var hN = new Tensor[NumLayers * directions];
        var cN = lstm ? new Tensor[NumLayers * directions] : null;
        var layerInput = data;
        for (int layer = 0; layer < NumLayers; layer++)
        {
            if (layer > 0 && Dropout > 0 && Training) layerInput = Functional.Dropout(layerInput, Dropout, true, Generator);
            var outputs = new Tensor[directions];
            for (int d = 0; d < directions; d++)
            {
                int index = layer * directions + d;
                var (output, h, c) = RunDirection(layerInput, batchSizes, layer, d == 1, h0s[index], c0s?[index]);
                outputs[d] = output;
                hN[index] = h;
                if (cN is not null) cN[index] = c!;
            }
            layerInput = directions == 1 ? outputs[0] : Tensor.Cat(outputs, 1);
        }
        return (layerInput, Tensor.Stack(hN, 0), cN is null ? null : Tensor.Stack(cN, 0));
    }

    private (Tensor Output, Tensor H, Tensor? C) RunDirection(Tensor input, int[] batchSizes, int layer, bool reverse, Tensor h0, Tensor? c0)
    {
        var wIh = WeightIh(layer, reverse);
        var wHhT = WeightHh(layer, reverse).T;
        var bIh = BiasIh(layer, reverse);
        var bHh = BiasHh(layer, reverse);
        var wHrT = WeightHr(layer, reverse)?.T;

        // The input part of the gates of every step in one GEMM; b_hh joins it except in the GRU, whose
        // reset gate multiplies the hidden part including its bias.
        var xGates = Linear(input, wIh, bIh);
        Tensor? stepBias = bHh;
        if (_cell != CellKind.Gru && bHh is not null)
        {
            xGates += bHh;
            stepBias = null;
        }
        int steps = batchSizes.Length, batch = batchSizes[0];
        var xs = steps == 1 ? [xGates] : xGates.Split(batchSizes, 0);
        var outputs = new Tensor[steps];

        Tensor h, hFinal;
        Tensor? c, cFinal;
        if (!reverse)
        {
            // Sequences end from the last rows up; each one's final state is cut off when it ends.
            h = h0;
            c = c0;
            var hEnded = new List<Tensor>();
            var cEnded = new List<Tensor>();
            for (int t = 0; t < steps; t++)
            {
                int b = batchSizes[t], rows = h.Size(0);
                if (b < rows)
                {
                    hEnded.Add(h.Narrow(0, b, rows - b));
                    h = h.Narrow(0, 0, b);
                    if (c is not null)
                    {
                        cEnded.Add(c.Narrow(0, b, rows - b));
                        c = c.Narrow(0, 0, b);
                    }
                }
                (h, c) = Step(xs[t], h, c, wHhT, stepBias, wHrT);
                outputs[t] = h;
            }
            hFinal = Join(h, hEnded);
            cFinal = c is null ? null : Join(c, cEnded);
        }
        else
        {
            // Backwards in time the batch grows: a sequence starts from its initial state at its last step.
            int first = batchSizes[steps - 1];
            h = first == batch ? h0 : h0.Narrow(0, 0, first);
            c = c0 is null || first == batch ? c0 : c0.Narrow(0, 0, first);
            for (int t = steps - 1; t >= 0; t--)
            {
                int b = batchSizes[t], rows = h.Size(0);
                if (b > rows)
                {
                    h = Tensor.Cat([h, h0.Narrow(0, rows, b - rows)], 0);
                    if (c is not null) c = Tensor.Cat([c, c0!.Narrow(0, rows, b - rows)], 0);
                }
                (h, c) = Step(xs[t], h, c, wHhT, stepBias, wHrT);
                outputs[t] = h;
            }
            hFinal = h;
            cFinal = c;
        }
        return (steps == 1 ? outputs[0] : Tensor.Cat(outputs, 0), hFinal, cFinal);
    }

    /// <summary>The rows still running, then those that ended, latest ending first (so rows stay in batch order).</summary>
    private static Tensor Join(Tensor running, List<Tensor> ended)
    {
        if (ended.Count == 0) return running;
        var parts = new Tensor[ended.Count + 1];
        parts[0] = running;
        for (int i = 0; i < ended.Count; i++) parts[i + 1] = ended[ended.Count - 1 - i];
        return Tensor.Cat(parts, 0);
    }

    private (Tensor H, Tensor? C) Step(Tensor xGates, Tensor h, Tensor? c, Tensor wHhT, Tensor? bHh, Tensor? wHrT) => _cell switch
    {
        CellKind.Lstm => LstmStep(xGates, h, c!, wHhT, bHh, wHrT),
        CellKind.Gru => (GruStep(xGates, h, wHhT, bHh), null),
        _ => (RnnStep(xGates, h, wHhT, bHh, _cell == CellKind.RnnRelu), null),
    };
}
