using Avalon.Nn;

namespace Avalon.Tests.Nn.Recurrent;

/// <summary>
/// What the recurrent layers promise beyond single PyTorch cases: packed batches agree with each sequence
/// run alone, a layer agrees with its cell stepped by hand, PyTorch's initialisation range, dropout only
/// between layers and only in training, and the accessors over the per-layer parameters.
/// </summary>
public sealed class RecurrentBehaviourTests
{
    private const double Tol = 1e-12;

    [Fact]
    public void PackedBatchAgreesWithEachSequenceRunAlone()
    {
        long[] lengths = [3, 5, 1, 4];
        var g = new Generator(21);
        var x = Tensor.Randn([5, 4, 3], g, DType.Float64);
        var h0 = Tensor.Randn([4, 4, 2], g, DType.Float64);
        var c0 = Tensor.Randn([4, 4, 5], g, DType.Float64);
        var lstm = new LSTM(3, 5, numLayers: 2, bidirectional: true, projSize: 2, dtype: DType.Float64, generator: g);
        var (packedOut, (hN, cN)) = lstm.Forward(RnnUtils.PackPaddedSequence(x, lengths, enforceSorted: false), (h0, c0));
        var (padded, outLengths) = RnnUtils.PadPackedSequence(packedOut, paddingValue: -7);
        Assert.Equal(lengths, outLengths.ToArray<long>());
        Assert.Equal(new Shape(5, 4, 4), padded.Shape);
        for (int i = 0; i < lengths.Length; i++)
        {
            int length = (int)lengths[i];
            var alone = x.Narrow(0, 0, length).Select(1, i);
            var (y, (h, c)) = lstm.Forward(alone, (h0.Select(1, i), c0.Select(1, i)));
            NnTestUtil.AssertClose(y.ToDoubleArray(), padded.Narrow(0, 0, length).Select(1, i).ToDoubleArray(), $"output of sequence {i}", Tol, Tol);
            NnTestUtil.AssertClose(h.ToDoubleArray(), hN.Select(1, i).ToDoubleArray(), $"h_n of sequence {i}", Tol, Tol);
            NnTestUtil.AssertClose(c.ToDoubleArray(), cN.Select(1, i).ToDoubleArray(), $"c_n of sequence {i}", Tol, Tol);
            if (length < 5)
                Assert.All(padded.Narrow(0, length, 5 - length).Select(1, i).ToDoubleArray(), v => Assert.Equal(-7, v));
        }
    }

    [Fact]
    public void PackedGruAndRnnAgreeWithEachSequenceRunAlone()
    {
        long[] lengths = [4, 4, 2];
        var g = new Generator(22);
        var x = Tensor.Randn([3, 4, 2], g, DType.Float64);   // batch first
        foreach (RNNBase net in (RNNBase[])[
                     new GRU(2, 3, bidirectional: true, batchFirst: true, dtype: DType.Float64, generator: g),
                     new RNN(2, 3, numLayers: 2, nonlinearity: "relu", batchFirst: true, dtype: DType.Float64, generator: g)])
        {
            var packed = RnnUtils.PackPaddedSequence(x, lengths, batchFirst: true);
            Assert.Null(packed.SortedIndices);
            var (output, hN) = net is GRU gru ? gru.Forward(packed) : ((RNN)net).Forward(packed);
            var padded = RnnUtils.PadPackedSequence(output, batchFirst: true).Padded;
            for (int i = 0; i < lengths.Length; i++)
            {
                var alone = x.Select(0, i).Narrow(0, 0, (int)lengths[i]);
                var (y, h) = net is GRU gru2 ? gru2.Forward(alone, null) : ((RNN)net).Forward(alone, null);
                NnTestUtil.AssertClose(y.ToDoubleArray(), padded.Select(0, i).Narrow(0, 0, (int)lengths[i]).ToDoubleArray(), $"{net.GetType().Name} output {i}", Tol, Tol);
                NnTestUtil.AssertClose(h.ToDoubleArray(), hN.Select(1, i).ToDoubleArray(), $"{net.GetType().Name} h_n {i}", Tol, Tol);
            }
        }
    }

    [Fact]
    public void LayersAgreeWithTheirCellsSteppedByHand()
    {
        var g = new Generator(23);
        var x = Tensor.Randn([4, 2, 3], g, DType.Float64);
        var lstm = new LSTM(3, 4, dtype: DType.Float64, generator: g);
        var lstmCell = new LSTMCell(3, 4, dtype: DType.Float64);
        var gru = new GRU(3, 4, dtype: DType.Float64, generator: g);
        var gruCell = new GRUCell(3, 4, dtype: DType.Float64);
        var rnn = new RNN(3, 4, nonlinearity: "relu", dtype: DType.Float64, generator: g);
        var rnnCell = new RNNCell(3, 4, nonlinearity: "relu", dtype: DType.Float64);
        foreach (var (layer, cell) in (ValueTuple<RNNBase, RNNCellBase>[])[(lstm, lstmCell), (gru, gruCell), (rnn, rnnCell)])
        {
            cell.WeightIh = layer.WeightIh(0);
            cell.WeightHh = layer.WeightHh(0);
            cell.BiasIh = layer.BiasIh(0);
            cell.BiasHh = layer.BiasHh(0);
        }

        var (lstmOut, (lstmH, lstmC)) = lstm.Forward(x, null);
        var gruOut = gru.Forward(x);
        var rnnOut = rnn.Forward(x);
        (Tensor H, Tensor C)? state = null;
        Tensor? gruH = null, rnnH = null;
        for (int t = 0; t < 4; t++)
        {
            state = lstmCell.Forward(x.Select(0, t), state);
            gruH = gruCell.Forward(x.Select(0, t), gruH);
            rnnH = rnnCell.Forward(x.Select(0, t), rnnH);
            NnTestUtil.AssertClose(state.Value.H.ToDoubleArray(), lstmOut.Select(0, t).ToDoubleArray(), $"LSTM step {t}", Tol, Tol);
            NnTestUtil.AssertClose(gruH.ToDoubleArray(), gruOut.Select(0, t).ToDoubleArray(), $"GRU step {t}", Tol, Tol);
            NnTestUtil.AssertClose(rnnH.ToDoubleArray(), rnnOut.Select(0, t).ToDoubleArray(), $"RNN step {t}", Tol, Tol);
        }
        NnTestUtil.AssertClose(state!.Value.C.ToDoubleArray(), lstmC.Select(0, 0).ToDoubleArray(), "LSTM c_n", Tol, Tol);
        NnTestUtil.AssertClose(state.Value.H.ToDoubleArray(), lstmH.Select(0, 0).ToDoubleArray(), "LSTM h_n", Tol, Tol);
    }

    [Fact]
    public void ParametersAreDrawnFromPyTorchsUniformRange()
    {
        foreach (Module m in (Module[])[new LSTM(8, 16, numLayers: 2, bidirectional: true, projSize: 4, generator: new Generator(1)),
                     new GRUCell(8, 16, generator: new Generator(2))])
        {
            double bound = 1 / Math.Sqrt(16);
            var values = m.Parameters().SelectMany(p => p.ToDoubleArray()).ToArray();
            Assert.All(values, v => Assert.InRange(Math.Abs(v), 0, bound));
            double mean = values.Average(), variance = values.Select(v => (v - mean) * (v - mean)).Average();
            // U(-b, b): mean 0 (std b/√(3n)), variance b²/3.
            Assert.InRange(mean, -5 * bound / Math.Sqrt(3 * values.Length), 5 * bound / Math.Sqrt(3 * values.Length));
            Assert.InRange(variance, 0.9 * bound * bound / 3, 1.1 * bound * bound / 3);
            Assert.True(values.Max() > 0.95 * bound && values.Min() < -0.95 * bound, $"{m}: the draws do not fill the range");
        }
    }

    [Fact]
    public void DropoutActsBetweenLayersInTrainingOnly()
    {
        var x = Tensor.Randn([5, 2, 3], new Generator(24));
        var net = new GRU(3, 4, numLayers: 2, dropout: 0.5, generator: new Generator(25));
        var eval = net.Eval().Forward(x);
        net.Train();
        net.Generator = new Generator(7);
        var a = net.Forward(x);
        net.Generator = new Generator(7);
        var b = net.Forward(x);
        net.Generator = new Generator(8);
        var c = net.Forward(x);
        Assert.Equal(a.ToDoubleArray(), b.ToDoubleArray());
        Assert.NotEqual(a.ToDoubleArray(), c.ToDoubleArray());
        Assert.NotEqual(eval.ToDoubleArray(), a.ToDoubleArray());

        // A single layer has no layer after it: the dropout probability changes nothing, as in PyTorch.
        var single = new LSTM(3, 4, dropout: 0.5, generator: new Generator(26));
        Assert.Equal(single.Eval().Forward(x).ToDoubleArray(), single.Train().Forward(x).ToDoubleArray());
    }

    [Fact]
    public void AccessorsNameTheRegisteredParameters()
    {
        var lstm = new LSTM(3, 5, numLayers: 2, bidirectional: true, projSize: 2);
        Assert.Same(lstm.GetParameter("weight_ih_l1_reverse"), lstm.WeightIh(1, reverse: true));
        Assert.Same(lstm.GetParameter("weight_hr_l0"), lstm.WeightHr(0));
        Assert.Equal(new Shape(20, 4), lstm.WeightIh(1).Shape);   // layer 1 reads D·proj_size features
        Assert.Equal(new Shape(20, 2), lstm.WeightHh(0).Shape);
        Assert.Equal(["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0", "weight_hr_l0"], lstm.ParameterNames[0]);
        Assert.Equal(lstm.ParameterNames.SelectMany(n => n), lstm.NamedParameters().Select(p => p.Key));
        Assert.Null(new GRU(3, 4, bias: false).BiasIh(0));
        Assert.Throws<ArgumentException>(() => new GRU(3, 4).WeightIh(0, reverse: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GRU(3, 4).WeightIh(1));

        // To(Float64) replaces the registered tensors; the accessors and the forward pass see the new ones.
        lstm.To(DType.Float64);
        Assert.Equal(DType.Float64, lstm.WeightIh(1, reverse: true).DType);
        Assert.Equal(DType.Float64, lstm.Forward(Tensor.Randn([2, 1, 3], new Generator(1), DType.Float64)).DType);
    }

    [Fact]
    public void PadAndPackSequenceListsRoundTrip()
    {
        var g = new Generator(27);
        Tensor[] sequences = [Tensor.Randn([4, 2], g), Tensor.Randn([2, 2], g), Tensor.Randn([3, 2], g)];
        var padded = RnnUtils.PadSequence(sequences, batchFirst: true, paddingValue: 9);
        Assert.Equal(new Shape(3, 4, 2), padded.Shape);
        Assert.Equal(sequences[1].ToDoubleArray(), padded.Select(0, 1).Narrow(0, 0, 2).ToDoubleArray());
        Assert.All(padded.Select(0, 1).Narrow(0, 2, 2).ToDoubleArray(), v => Assert.Equal(9, v));
        Assert.Throws<ArgumentException>(() => RnnUtils.PackSequence(sequences));   // not longest first
        var packed = RnnUtils.PackSequence(sequences, enforceSorted: false);
        Assert.Equal([3L, 3, 2, 1], packed.BatchSizes.ToArray<long>());
        Assert.Equal([0L, 2, 1], packed.SortedIndices!.ToArray<long>());
        var (back, lengths) = RnnUtils.PadPackedSequence(packed, totalLength: 6);
        Assert.Equal(new Shape(6, 3, 2), back.Shape);
        Assert.Equal([4L, 2, 3], lengths.ToArray<long>());
        for (int i = 0; i < 3; i++)
            Assert.Equal(sequences[i].ToDoubleArray(), back.Select(1, i).Narrow(0, 0, sequences[i].Size(0)).ToDoubleArray());
    }
}
