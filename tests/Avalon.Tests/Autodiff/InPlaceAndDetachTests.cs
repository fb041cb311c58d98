using Avalon.Autodiff;

namespace Avalon.Tests.Autodiff;

/// <summary>Detach as a recorded stop-gradient, in-place operations on tapes and the eager graph, version counters.</summary>
public class InPlaceAndDetachTests
{
    [Fact]
    public void DetachIsRecordedSoAReplayRecomputesIt()
    {
        var r = Grad.Of((Tensor[] a) => (a[0] * a[0].Detach()).Sum(), Tensor.From(new double[] { 2 }));
        Assert.Contains("detach(", r.Tape.ToString());
        Assert.Equal(4, r.Value.Item());
        Assert.Equal(2, r.Gradients[0].Item());
        var replay = r.Tape.Run(Tensor.From(new double[] { 3 }));
        Assert.Equal(9, replay[0].Item());
        Assert.Equal(3, replay[1].Item());
    }

    [Fact]
    public void InPlaceOpsAreRecordedAndReplayLikeEager()
    {
        static Tensor F(Tensor x)
        {
            var y = x * 2;
            y.Add_(1).Mul_(x);
            y[0] = Tensor.Scalar(5.0, DType.Float64);
            y.Clamp_(max: 20);
            return y.Sum();
        }
        var x0 = Tensor.From(new double[] { 1, 2, 3 });
        var tape = Grad.Trace(a => F(a[0]), x0);
        var text = tape.ToString();
        Assert.Contains("add_(", text);
        Assert.Contains("mul_(", text);
        Assert.Contains("copy_(", text);
        Assert.Contains("clamp_(", text);
        var x1 = Tensor.From(new double[] { -1, 0.5, 4 });
        Assert.Equal(F(x1).Item(), tape.Run(x1)[0].Item());
    }

    [Fact]
    public void InPlaceGradientsMatchTheFunctionalForm()
    {
        var x = Tensor.From(new double[] { 1, -2, 3 });
        var inPlace = Grad.Of((Tensor[] a) => { var y = a[0] * 1; y.Mul_(a[0]).Add_(a[0]); return y.Sum(); }, x);
        var functional = Grad.Of((Tensor[] a) => (a[0] * a[0] + a[0]).Sum(), x);
        Assert.Equal(functional.Gradients[0].ToArray<double>(), inPlace.Gradients[0].ToArray<double>());

        var leaf = x.Detach().RequiresGrad_();
        var z = leaf * 1;
        z.Mul_(leaf).Add_(leaf);
        z.Sum().Backward();
        Assert.Equal(functional.Gradients[0].ToArray<double>(), leaf.Grad!.ToArray<double>());
    }

    [Fact]
    public void ModifyingATensorBackwardNeedsRaisesNamingTheOp()
    {
        var w = Tensor.From(new double[] { 1, 2 }).RequiresGrad_();
        var h = w * 3;
        var y = h.Exp();   // exp's rule reads its input h... and mul's reads w
        var loss = (h * h).Sum();
        h.Add_(1);
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("modified by an in-place operation", ex.Message);
        Assert.Contains("mul", ex.Message);
        Assert.NotNull(y);
    }

    [Fact]
    public void AddingInPlaceToATensorWhoseRulesNeedOnlyShapesIsFine()
    {
        var w = Tensor.From(new double[] { 1, 2 }).RequiresGrad_();
        var h = w * 3;
        var v = h.Reshape(2, 1);
        h.Add_(1);   // reshape's rule needs only the shape
        v.Sum().Backward();
        Assert.Equal(new double[] { 3, 3 }, w.Grad!.ToArray<double>());
    }

    [Fact]
    public void InPlaceOnALeafThatRequiresGradIsAnError()
    {
        var w = Tensor.Ones(2).RequiresGrad_();
        var ex = Assert.Throws<InvalidOperationException>(() => w.Add_(1));
        Assert.Contains("add_", ex.Message);
        Assert.Contains("leaf", ex.Message);
        using (new NoGrad()) w.Add_(1);
        Assert.Equal(new float[] { 2, 2 }, w.ToArray<float>());
        Assert.True(w.Version > 0);
    }

    [Fact]
    public void SecondBackwardThroughAFreedGraphRaisesUnlessRetained()
    {
        var w = Tensor.From(new double[] { 1, 2 }).RequiresGrad_();
        var loss = (w * w).Sum();
        loss.Backward(retainGraph: true);
        loss.Backward();
        Assert.Equal(new double[] { 4, 8 }, w.Grad!.ToArray<double>());
        var ex = Assert.Throws<InvalidOperationException>(() => loss.Backward());
        Assert.Contains("second time", ex.Message);
    }

    [Fact]
    public void MaskAndIndexSetters()
    {
        var x = Tensor.From(new float[] { 1, -2, 3, -4 });
        x[x.Lt(0)] = Tensor.Scalar(0f);
        Assert.Equal(new float[] { 1, 0, 3, 0 }, x.ToArray<float>());
        var m = Tensor.Zeros(2, 3);
        m[1, 1..] = Tensor.From(new float[] { 7, 8 });
        m[.., 0] = Tensor.Scalar(9f);
        Assert.Equal(new float[] { 9, 0, 0, 9, 7, 8 }, m.ToArray<float>());
        var rows = Tensor.Zeros(3, 2);
        rows.IndexPut_(Tensor.From(new long[] { 2, 0 }), Tensor.Ones(2, 2));
        rows.IndexPut_(Tensor.From(new long[] { 2, 2 }), Tensor.Ones(2, 2), accumulate: true);
        Assert.Equal(new float[] { 1, 1, 0, 0, 3, 3 }, rows.ToArray<float>());
        var ex = Assert.Throws<ArgumentException>(() => Tensor.Zeros(3).Add_(Tensor.Ones(2, 3)));
        Assert.Contains("doesn't match the broadcast shape", ex.Message);
    }

    [Fact]
    public void TracingBuildsNoEagerGraphOnTheSide()
    {
        var w = Tensor.Ones(3).RequiresGrad_();
        Tensor? inner = null;
        var r = Grad.Of((Tensor[] a) => { inner = a[0] * 2; return inner.Sum(); }, w);
        Assert.Null(inner!.GradFn);
        Assert.Equal(new float[] { 2, 2, 2 }, r.Gradients[0].ToArray<float>());
    }
}
