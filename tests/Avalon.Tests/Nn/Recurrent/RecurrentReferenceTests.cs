using System.Text.Json;
using Avalon.Nn;
using Avalon.Tests.Reference;

namespace Avalon.Tests.Nn.Recurrent;

/// <summary>
/// RNN, LSTM, GRU (padded and packed) and their cells against PyTorch's values in
/// Data/Reference/recurrent.json: load the case's parameters and initial states, run forward, and
/// compare the output, h_n, c_n, the packed layout, and the gradients of
/// sum(output·g_out) + sum(h_n·g_h) + sum(c_n·g_c) with respect to the input, the initial states and
/// every parameter.
/// </summary>
public sealed class RecurrentReferenceTests
{
    private static readonly string[] s_kinds = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"];

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in ReferenceData.Load("recurrent").Cases) data.Add(c.Name);
        return data;
    }

    [Fact]
    public void EveryKindHasCasesAndPackedCasesExist()
    {
        var data = ReferenceData.Load("recurrent");
        foreach (var kind in s_kinds) Assert.NotEmpty(data.OfKind(kind));
        Assert.Contains(data.Cases, c => c.Has("packed") && !c.Json.GetProperty("enforce_sorted").GetBoolean());
        Assert.Contains(data.Cases, c => c.Has("packed") && c.Json.GetProperty("enforce_sorted").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesPyTorch(string name)
    {
        var c = ReferenceData.Load("recurrent")[name];
        var x = NnTestUtil.ToTensor(c.Tensor("input")).RequiresGrad_();
        var dtype = x.DType;
        var module = Build(c, dtype);
        module.LoadStateDict(c.TensorMap("params").ToDictionary(kv => kv.Key, kv => NnTestUtil.ToTensor(kv.Value)));
        Assert.Equal(c.TensorMap("params").Keys, module.NamedParameters().Select(p => p.Key));
        module.Train(c.Json.GetProperty("train").GetBoolean());
        var states = c.Json.GetProperty("hx").ValueKind == JsonValueKind.Null
            ? []
            : c.Tensors("hx").Select(t => NnTestUtil.ToTensor(t!).RequiresGrad_()).ToArray();

        var (output, hN, cN) = Run(c, module, x, states);
        var (rtol, atol) = dtype == DType.Float64 ? (1e-10, 1e-12) : (2e-5, 2e-6);
        NnTestUtil.AssertClose(c.Tensor("output"), output, name + " output", rtol, atol);
        if (c.TensorOrNull("h_n") is { } refH) NnTestUtil.AssertClose(refH, hN!, name + " h_n", rtol, atol);
        if (c.TensorOrNull("c_n") is { } refC) NnTestUtil.AssertClose(refC, cN!, name + " c_n", rtol, atol);

        var loss = (output * NnTestUtil.ToTensor(c.Tensor("grad_output"))).Sum();
        if (hN is not null) loss += (hN * NnTestUtil.ToTensor(c.Tensor("grad_h_n"))).Sum();
        if (cN is not null) loss += (cN * NnTestUtil.ToTensor(c.Tensor("grad_c_n"))).Sum();
        loss.Backward();

        NnTestUtil.AssertClose(c.Tensor("grad_input"), x.Grad!, name + " grad of input", rtol, atol);
        if (states.Length > 0)
        {
            var gradStates = c.Tensors("grad_hx");
            for (int i = 0; i < states.Length; i++)
                NnTestUtil.AssertClose(gradStates[i]!, states[i].Grad!, $"{name} grad of hx[{i}]", rtol, atol);
        }
        var named = module.NamedParameters().ToDictionary(kv => kv.Key, kv => kv.Value);
        foreach (var (key, expected) in c.TensorMap("grad_params"))
        {
            Assert.True(named[key].Grad is not null, $"{name}: no gradient on {key}");
            NnTestUtil.AssertClose(expected, named[key].Grad!, $"{name} grad of {key}", rtol, atol);
        }
    }

    private static (Tensor Output, Tensor? HN, Tensor? CN) Run(ReferenceCase c, Module module, Tensor x, Tensor[] states)
    {
        Tensor? h0 = states.Length > 0 ? states[0] : null;
        (Tensor, Tensor)? lstmState = states.Length > 1 ? (states[0], states[1]) : null;
        switch (module)
        {
            case RNNCell cell:
                return (cell.Forward(x, h0), null, null);
            case GRUCell cell:
                return (cell.Forward(x, h0), null, null);
            case LSTMCell cell:
            {
                var (h, cc) = cell.Forward(x, lstmState);
                return (h, null, cc);
            }
        }
        var rnn = (RNNBase)module;
        if (c.Json.GetProperty("lengths").ValueKind == JsonValueKind.Null)
        {
            return module switch
            {
                LSTM lstm => Unpack(lstm.Forward(x, lstmState)),
                RNN r => WithoutCell(r.Forward(x, h0)),
                GRU g => WithoutCell(g.Forward(x, h0)),
                _ => throw new NotSupportedException(c.Kind),
            };
        }

        var lengths = c.Json.GetProperty("lengths").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        bool enforceSorted = c.Json.GetProperty("enforce_sorted").GetBoolean();
        var packed = RnnUtils.PackPaddedSequence(x, lengths, rnn.BatchFirst, enforceSorted);
        CheckPacked(c, packed);
        int totalLength = x.Size(rnn.BatchFirst ? 1 : 0);
        PackedSequence output;
        Tensor hN;
        Tensor? cN = null;
        switch (module)
        {
            case LSTM lstm:
                (output, (hN, var cc)) = lstm.Forward(packed, lstmState);
                cN = cc;
                break;
            case RNN r:
                (output, hN) = r.Forward(packed, h0);
                break;
            default:
                (output, hN) = ((GRU)module).Forward(packed, h0);
                break;
        }
        var (padded, outLengths) = RnnUtils.PadPackedSequence(output, rnn.BatchFirst, totalLength: totalLength);
        Assert.Equal(lengths, outLengths.ToArray<long>());
        return (padded, hN, cN);
    }

    private static void CheckPacked(ReferenceCase c, PackedSequence packed)
    {
        var p = c.Json.GetProperty("packed");
        // The packed data is a copy of input rows: bit for bit equal.
        var data = ReferenceTensor.FromJson(p.GetProperty("data"));
        Assert.Equal(data.Shape, packed.Data.Shape.ToArray());
        if (data.Dtype == "float32") Assert.Equal(data.ToFloatArray(), packed.Data.ToArray<float>());
        else Assert.Equal(data.Data, packed.Data.ToArray<double>());
        Assert.Equal(ReferenceTensor.FromJson(p.GetProperty("batch_sizes")).ToInt64Array(), packed.BatchSizes.ToArray<long>());
        if (p.GetProperty("sorted_indices").ValueKind == JsonValueKind.Null)
        {
            Assert.Null(packed.SortedIndices);
            return;
        }
        Assert.Equal(ReferenceTensor.FromJson(p.GetProperty("sorted_indices")).ToInt64Array(), packed.SortedIndices!.ToArray<long>());
        Assert.Equal(ReferenceTensor.FromJson(p.GetProperty("unsorted_indices")).ToInt64Array(), packed.UnsortedIndices!.ToArray<long>());
    }

    private static (Tensor, Tensor?, Tensor?) WithoutCell((Tensor Output, Tensor HN) r) => (r.Output, r.HN, null);

    private static (Tensor, Tensor?, Tensor?) Unpack((Tensor Output, (Tensor H, Tensor C) State) r) => (r.Output, r.State.H, r.State.C);

    private static Module Build(ReferenceCase c, DType dtype)
    {
        int input = c.ArgInt("input_size", -1), hidden = c.ArgInt("hidden_size", -1), layers = c.ArgInt("num_layers", 1);
        bool bias = c.ArgBool("bias", true), batchFirst = c.ArgBool("batch_first", false), bidirectional = c.ArgBool("bidirectional", false);
        double dropout = c.ArgDouble("dropout", 0);
        return c.Kind switch
        {
            "RNN" => new RNN(input, hidden, layers, c.ArgString("nonlinearity", "tanh"), bias, batchFirst, dropout, bidirectional, dtype),
            "LSTM" => new LSTM(input, hidden, layers, bias, batchFirst, dropout, bidirectional, c.ArgInt("proj_size", 0), dtype),
            "GRU" => new GRU(input, hidden, layers, bias, batchFirst, dropout, bidirectional, dtype),
            "RNNCell" => new RNNCell(input, hidden, bias, c.ArgString("nonlinearity", "tanh"), dtype),
            "LSTMCell" => new LSTMCell(input, hidden, bias, dtype),
            "GRUCell" => new GRUCell(input, hidden, bias, dtype),
            _ => throw new NotSupportedException(c.Kind),
        };
    }
}
