using Avalon.Nn;

namespace Avalon.Tests.Nn.Recurrent;

/// <summary>Single steps, empty batches, the functional cells and the tensor-lengths overload.</summary>
public sealed class RecurrentEdgeCaseTests
{
    [Fact]
    public void OneStepSequencesEqualOneCellStep()
    {
        var g = new Generator(31);
        var x = Tensor.Randn([1, 3, 2], g, DType.Float64);
        var h0 = Tensor.Randn([1, 3, 4], g, DType.Float64);
        var gru = new GRU(2, 4, dtype: DType.Float64, generator: g);
        var (y, hN) = gru.Forward(x, h0);
        var expected = Functional.GruCell(x.Select(0, 0), h0.Select(0, 0), gru.WeightIh(0), gru.WeightHh(0), gru.BiasIh(0), gru.BiasHh(0));
        NnTestUtil.AssertClose(expected.ToDoubleArray(), y.Select(0, 0).ToDoubleArray(), "output", 1e-12, 1e-12);
        NnTestUtil.AssertClose(expected.ToDoubleArray(), hN.Select(0, 0).ToDoubleArray(), "h_n", 1e-12, 1e-12);

        // Packed sequences of length 1: a single step with the whole batch.
        var (packedOut, packedH) = gru.Forward(RnnUtils.PackPaddedSequence(x, Tensor.From(new long[] { 1, 1, 1 }), enforceSorted: false), h0);
        Assert.Equal([3L], packedOut.BatchSizes.ToArray<long>());
        NnTestUtil.AssertClose(expected.ToDoubleArray(), packedH.Select(0, 0).ToDoubleArray(), "packed h_n", 1e-12, 1e-12);
    }

    [Fact]
    public void AnEmptyBatchGivesEmptyOutputs()
    {
        var lstm = new LSTM(3, 4, numLayers: 2, bidirectional: true, generator: new Generator(32));
        var (y, (h, c)) = lstm.Forward(Tensor.Zeros(5, 0, 3), null);
        Assert.Equal(new Shape(5, 0, 8), y.Shape);
        Assert.Equal(new Shape(4, 0, 4), h.Shape);
        Assert.Equal(new Shape(4, 0, 4), c.Shape);
    }

    [Fact]
    public void FunctionalCellsEqualTheCellModules()
    {
        var g = new Generator(33);
        var x = Tensor.Randn([2, 3], g, DType.Float64);
        var h = Tensor.Randn([2, 4], g, DType.Float64);
        var c = Tensor.Randn([2, 4], g, DType.Float64);
        var tanh = new RNNCell(3, 4, dtype: DType.Float64, generator: g);
        var relu = new RNNCell(3, 4, nonlinearity: "relu", dtype: DType.Float64, generator: g);
        var lstm = new LSTMCell(3, 4, dtype: DType.Float64, generator: g);
        AssertSame(tanh.Forward(x, h), Functional.RnnTanhCell(x, h, tanh.WeightIh, tanh.WeightHh, tanh.BiasIh, tanh.BiasHh), "rnn_tanh_cell");
        AssertSame(relu.Forward(x, h), Functional.RnnReluCell(x, h, relu.WeightIh, relu.WeightHh, relu.BiasIh, relu.BiasHh), "rnn_relu_cell");
        var (hm, cm) = lstm.Forward(x, (h, c));
        var (hf, cf) = Functional.LstmCell(x, (h, c), lstm.WeightIh, lstm.WeightHh, lstm.BiasIh, lstm.BiasHh);
        AssertSame(hm, hf, "lstm_cell h");
        AssertSame(cm, cf, "lstm_cell c");

        // Checked by hand: h' = tanh(x W_ihᵀ + b_ih + h W_hhᵀ + b_hh), element (1, 2), as a float64 loop.
        double[] xs = x.ToDoubleArray(), hs = h.ToDoubleArray(), wi = tanh.WeightIh.ToDoubleArray(), wh = tanh.WeightHh.ToDoubleArray();
        double pre = tanh.BiasIh!.ToDoubleArray()[2] + tanh.BiasHh!.ToDoubleArray()[2];
        for (int k = 0; k < 3; k++) pre += xs[3 + k] * wi[2 * 3 + k];
        for (int k = 0; k < 4; k++) pre += hs[4 + k] * wh[2 * 4 + k];
        Assert.Equal(Math.Tanh(pre), tanh.Forward(x, h).ToDoubleArray()[4 + 2], 12);
    }

    [Fact]
    public void LengthsMayBeGivenAsAnIntegerTensor()
    {
        var x = Tensor.Randn([4, 3, 2], new Generator(34));
        var fromArray = RnnUtils.PackPaddedSequence(x, [4L, 3, 1]);
        var fromTensor = RnnUtils.PackPaddedSequence(x, Tensor.From(new int[] { 4, 3, 1 }));
        Assert.Equal(fromArray.BatchSizes.ToArray<long>(), fromTensor.BatchSizes.ToArray<long>());
        Assert.Equal(fromArray.Data.ToArray<float>(), fromTensor.Data.ToArray<float>());
        Assert.Throws<ArgumentException>(() => RnnUtils.PackPaddedSequence(x, Tensor.From(new float[] { 4, 3, 1 })));
    }

    private static void AssertSame(Tensor expected, Tensor actual, string what) =>
        NnTestUtil.AssertClose(expected.ToDoubleArray(), actual.ToDoubleArray(), what, 1e-14, 1e-14);
}
