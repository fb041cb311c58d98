using Avalon.Nn;

namespace Avalon.Tests.Nn.Recurrent;

/// <summary>Bad arguments, inputs and states of the recurrent layers, cells and packing utilities, and the message fragments they must produce.</summary>
public sealed class RecurrentErrorTests
{
    public static TheoryData<string> Cases() => new(s_cases.Keys);

    private static readonly Dictionary<string, (Action Act, string[] Fragments)> s_cases = new()
    {
        ["hidden_size 0"] = (() => _ = new LSTM(3, 0), ["LSTM", "hidden_size must be greater than zero", "0"]),
        ["num_layers 0"] = (() => _ = new GRU(3, 4, numLayers: 0), ["GRU", "num_layers"]),
        ["dropout 1.5"] = (() => _ = new RNN(3, 4, dropout: 1.5), ["RNN", "dropout", "[0, 1]", "1.5"]),
        ["nonlinearity"] = (() => _ = new RNN(3, 4, nonlinearity: "sigmoid"), ["RNN", "sigmoid", "'tanh' or 'relu'"]),
        ["cell nonlinearity"] = (() => _ = new RNNCell(3, 4, nonlinearity: "gelu"), ["RNNCell", "gelu"]),
        ["proj_size >= hidden"] = (() => _ = new LSTM(3, 4, projSize: 4), ["LSTM", "proj_size has to be smaller than hidden_size", "4"]),
        ["proj_size negative"] = (() => _ = new LSTM(3, 4, projSize: -1), ["LSTM", "proj_size", "-1"]),
        ["input rank"] = (() => new GRU(3, 4).Forward(Tensor.Zeros(2, 3, 4, 3)), ["GRU", "2-D", "3-D", "[2, 3, 4, 3]"]),
        ["input size"] = (() => new LSTM(3, 4).Forward(Tensor.Zeros(5, 2, 4)), ["LSTM", "input_size", "Expected 3, got 4"]),
        ["input dtype"] = (() => new RNN(3, 4).Forward(Tensor.Zeros([5, 2, 3], DType.Float64)), ["RNN", "float32", "float64"]),
        ["hidden shape"] = (() => new GRU(3, 4, numLayers: 2).Forward(Tensor.Zeros(5, 2, 3), Tensor.Zeros(1, 2, 4)), ["GRU", "(2, 2, 4)", "[1, 2, 4]"]),
        ["hidden rank batched"] = (() => new GRU(3, 4).Forward(Tensor.Zeros(5, 2, 3), Tensor.Zeros(1, 4)), ["GRU", "batched 3-D input", "3-D"]),
        ["hidden rank unbatched"] = (() => new RNN(3, 4).Forward(Tensor.Zeros(5, 3), Tensor.Zeros(1, 1, 4)), ["RNN", "unbatched 2-D input", "2-D"]),
        ["cell state shape"] = (() => new LSTM(3, 4, projSize: 2).Forward(Tensor.Zeros(5, 2, 3), (Tensor.Zeros(1, 2, 2), Tensor.Zeros(1, 2, 2))),
            ["LSTM", "hidden[1]", "(1, 2, 4)", "[1, 2, 2]"]),
        ["projected hidden shape"] = (() => new LSTM(3, 4, projSize: 2).Forward(Tensor.Zeros(5, 2, 3), (Tensor.Zeros(1, 2, 4), Tensor.Zeros(1, 2, 4))),
            ["LSTM", "hidden[0]", "(1, 2, 2)", "proj_size"]),
        ["packed data size"] = (() => new GRU(3, 4).Forward(RnnUtils.PackPaddedSequence(Tensor.Zeros(4, 2, 5), [4L, 2])), ["GRU", "input_size", "Expected 3, got 5"]),
        ["cell input rank"] = (() => new GRUCell(3, 4).Forward(Tensor.Zeros(2, 2, 3)), ["GRUCell", "1-D or 2-D", "3-D"]),
        ["cell input size"] = (() => new RNNCell(3, 4).Forward(Tensor.Zeros(2, 5)), ["RNNCell", "input_size", "5", "3"]),
        ["cell state shape mismatch"] = (() => new LSTMCell(3, 4).Forward(Tensor.Zeros(2, 3), (Tensor.Zeros(2, 4), Tensor.Zeros(3, 4))),
            ["LSTMCell", "hx[1]", "[2, 4]", "[3, 4]"]),
        ["functional cell shapes"] = (() => Functional.GruCell(Tensor.Zeros(2, 3), Tensor.Zeros(2, 4), Tensor.Zeros(12, 3), Tensor.Zeros(8, 4)),
            ["gru_cell", "weight_hh", "[8, 4]"]),
        ["unsorted lengths"] = (() => RnnUtils.PackPaddedSequence(Tensor.Zeros(4, 2, 3), [2L, 4]), ["pack_padded_sequence", "sorted in decreasing order", "enforceSorted"]),
        ["zero length"] = (() => RnnUtils.PackPaddedSequence(Tensor.Zeros(4, 2, 3), [4L, 0]), ["pack_padded_sequence", "greater than 0"]),
        ["length too long"] = (() => RnnUtils.PackPaddedSequence(Tensor.Zeros(4, 2, 3), [5L, 1]), ["pack_padded_sequence", "5", "4 steps"]),
        ["lengths count"] = (() => RnnUtils.PackPaddedSequence(Tensor.Zeros(4, 2, 3), [4L, 2, 1]), ["pack_padded_sequence", "expected 2 lengths", "got 3"]),
        ["total_length"] = (() => RnnUtils.PadPackedSequence(RnnUtils.PackPaddedSequence(Tensor.Zeros(4, 2, 3), [4L, 2]), totalLength: 3),
            ["pad_packed_sequence", "total_length=3", "4"]),
        ["batch_sizes increasing"] = (() => _ = new PackedSequence(Tensor.Zeros(5, 3), [2L, 3]), ["PackedSequence", "non-increasing", "[2, 3]"]),
        ["batch_sizes sum"] = (() => _ = new PackedSequence(Tensor.Zeros(4, 3), [2L, 1]), ["PackedSequence", "[4, 3]", "3 rows"]),
        ["sorted_indices"] = (() => _ = new PackedSequence(Tensor.Zeros(3, 3), [2L, 1], Tensor.From(new long[] { 1, 1 })), ["PackedSequence", "permutation"]),
        ["pad_sequence shapes"] = (() => RnnUtils.PadSequence([Tensor.Zeros(3, 2), Tensor.Zeros(2, 3)]), ["pad_sequence", "sequence 1", "[2, 3]"]),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void BadInputRaisesAnArgumentExceptionNamingTheProblem(string name)
    {
        var (act, fragments) = s_cases[name];
        var ex = Assert.ThrowsAny<ArgumentException>(act);
        foreach (var f in fragments) Assert.Contains(f, ex.Message, StringComparison.Ordinal);
    }
}
