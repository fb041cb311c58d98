using Avalon.Autodiff;
using Avalon.Nn;

namespace Avalon.Tests.Nn;

/// <summary>Semantics of the losses beyond the reference cases: edge values, stability, module state and reprs.</summary>
public sealed class LossBehaviourTests
{
    private static Tensor Logits(int seed, params int[] shape) => Tensor.Randn(shape, new Generator((ulong)seed));

    [Fact]
    public void CrossEntropyEqualsNllOfLogSoftmaxAndNaiveFormula()
    {
        var x = Logits(1, 7, 4);
        var t = Tensor.From(new long[] { 3, 0, 1, 3, 2, 2, 0 });
        var ce = Functional.CrossEntropy(x, t).Item();
        Assert.Equal(Functional.NllLoss(x.LogSoftmax(1), t).Item(), ce, 6);
        var v = x.ToDoubleArray();
        var labels = t.ToArray<long>();
        double expected = 0;
        for (int n = 0; n < 7; n++)
        {
            double sum = 0;
            for (int c = 0; c < 4; c++) sum += Math.Exp(v[n * 4 + c]);
            expected += Math.Log(sum) - v[n * 4 + labels[n]];
        }
        Assert.Equal(expected / 7, ce, 5);
    }

    [Fact]
    public void AllTargetsIgnoredGivesNaNMeanAndZeroSum()
    {
        var x = Logits(2, 3, 4).RequiresGrad_();
        var t = Tensor.From(new long[] { -100, -100, -100 });
        Assert.True(double.IsNaN(Functional.CrossEntropy(x, t).Item()));
        var sum = Functional.CrossEntropy(x, t, reduction: Reduction.Sum);
        Assert.Equal(0.0, sum.Item());
        sum.Backward();
        Assert.All(x.Grad!.ToDoubleArray(), g => Assert.Equal(0.0, g));
    }

    [Fact]
    public void IgnoredTargetsGetNoLossAndNoGradient()
    {
        var x = Logits(3, 4, 3).RequiresGrad_();
        var t = Tensor.From(new long[] { 2, 1, 2, 0 });
        var none = Functional.CrossEntropy(x, t, ignoreIndex: 2, reduction: Reduction.None).ToDoubleArray();
        Assert.Equal(0.0, none[0]);
        Assert.Equal(0.0, none[2]);
        Assert.True(none[1] > 0 && none[3] > 0);
        var mean = Functional.CrossEntropy(x, t, ignoreIndex: 2);
        Assert.Equal((none[1] + none[3]) / 2, mean.Item(), 5);
        mean.Backward();
        var g = x.Grad!.ToDoubleArray();
        for (int c = 0; c < 3; c++)
        {
            Assert.Equal(0.0, g[c]);
            Assert.Equal(0.0, g[6 + c]);
        }
    }

    [Fact]
    public void TapeTracedWithoutIgnoredTargetsReplaysOnIgnoredOnes()
    {
        var x = Logits(7, 3, 4);
        var tape = Grad.Trace(a => Functional.CrossEntropy(a[0], a[1]), x, Tensor.From(new long[] { 0, 1, 2 }));
        var targets = Tensor.From(new long[] { 3, -100, 1 });
        var replayed = tape.Run(x, targets)[0].Item();
        Assert.Equal(Functional.CrossEntropy(x, targets).Item(), replayed, 6);
        Assert.True(double.IsFinite(replayed));
    }

    [Fact]
    public void TrainingSizedBatchMatchesNaiveMeanAndGradient()
    {
        var x = Logits(4, 100, 10).RequiresGrad_();
        var t = Tensor.RandInt(0, 10, [100], new Generator(5));
        var loss = new CrossEntropyLoss().Forward(x, t);
        loss.Backward();
        var p = x.Detach().Softmax(1).ToDoubleArray();
        var labels = t.ToArray<long>();
        var g = x.Grad!.ToDoubleArray();
        for (int n = 0; n < 100; n++)
            for (int c = 0; c < 10; c++)
                Assert.Equal((p[n * 10 + c] - (labels[n] == c ? 1 : 0)) / 100, g[n * 10 + c], 6);
    }

    [Fact]
    public void BinaryCrossEntropyClampsLogAtMinus100()
    {
        var x = Tensor.From(new[] { 0f, 1f, 0f }).RequiresGrad_();
        var y = Tensor.From(new[] { 1f, 0f, 0f });
        var loss = Functional.BinaryCrossEntropy(x, y, reduction: Reduction.None);
        Assert.Equal([100f, 100f, 0f], loss.ToArray<float>());
        loss.Sum().Backward();
        Assert.All(x.Grad!.ToDoubleArray(), v => Assert.True(double.IsFinite(v)));
    }

    [Fact]
    public void BinaryCrossEntropyWithLogitsIsStableForLargeLogits()
    {
        var x = Tensor.From(new[] { 200f, -200f, 200f, -200f }).RequiresGrad_();
        var y = Tensor.From(new[] { 1f, 0f, 0f, 1f });
        var loss = Functional.BinaryCrossEntropyWithLogits(x, y, reduction: Reduction.None);
        Assert.Equal([0f, 0f, 200f, 200f], loss.ToArray<float>());
        loss.Sum().Backward();
        Assert.Equal([0f, 0f, 1f, -1f], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void KlDivTreatsZeroTargetsAsZero()
    {
        var input = Tensor.From(new[] { -1f, -2f }).RequiresGrad_();
        var target = Tensor.From(new[] { 0f, 0.5f });
        var loss = Functional.KlDiv(input, target, Reduction.None).ToArray<float>();
        Assert.Equal(0f, loss[0]);
        Assert.Equal(0.5 * (Math.Log(0.5) + 2), loss[1], 6);
    }

    [Fact]
    public void UnbatchedCrossEntropyReturnsAScalar()
    {
        var x = Logits(6, 5);
        var none = Functional.CrossEntropy(x, Tensor.Scalar(3, DType.Int64), reduction: Reduction.None);
        Assert.Equal(0, none.Rank);
        Assert.Equal(-x.LogSoftmax(0).ToDoubleArray()[3], none.Item(), 6);
    }

    [Fact]
    public void WeightsAreBuffersInTheStateDict()
    {
        var ce = new CrossEntropyLoss(Tensor.Ones(3));
        Assert.Equal(["weight"], ce.StateDict().Keys);
        Assert.Empty(ce.Parameters());
        var bce = new BCEWithLogitsLoss(Tensor.Ones(3), posWeight: Tensor.Ones(3));
        Assert.Equal(["weight", "pos_weight"], bce.StateDict().Keys);
        Assert.Empty(new MSELoss().StateDict());
    }

    [Fact]
    public void ReprsMatchPyTorch()
    {
        Assert.Equal("MSELoss()", new MSELoss().ToString());
        Assert.Equal("CrossEntropyLoss()", new CrossEntropyLoss().ToString());
        Assert.Equal("TripletMarginLoss()", new TripletMarginLoss().ToString());
    }
}
