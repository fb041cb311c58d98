using Avalon.Autodiff;

namespace Avalon.Tests.Autodiff;

public class AnomalyModeTests
{
    [Fact]
    public void ForwardNaNIsReportedWithThePrimitiveAndInputShapes()
    {
        var x = Tensor.From(new float[] { 4f, -1f, 9f, 1f }, 2, 2);
        using (Autograd.DetectAnomaly())
        {
            var e = Assert.Throws<AnomalyDetectedException>(() => x.Sqrt());
            Assert.Equal("sqrt", e.Primitive);
            Assert.Equal(AnomalyPhase.Forward, e.Phase);
            Assert.Equal(["float32[2, 2]"], e.Inputs);
            Assert.Equal(1, e.Element);
            Assert.Null(e.GradientInput);
            Assert.Contains("forward of 'sqrt'", e.Message);
            Assert.Contains("float32[2, 2]", e.Message);
        }
    }

    [Fact]
    public void WithoutTheScopeNaNFlowsThrough()
    {
        Assert.False(Autograd.IsAnomalyDetectionEnabled);
        var y = Tensor.From(new float[] { -1f }).Sqrt();
        Assert.True(float.IsNaN(y.ToArray<float>()[0]));
    }

    [Fact]
    public void InfinityIsNotAnAnomaly()
    {
        using (Autograd.DetectAnomaly())
        {
            var y = Tensor.From(new double[] { 0.0, 1.0 }).Log();
            Assert.Equal(double.NegativeInfinity, y.ToArray<double>()[0]);
        }
    }

    [Fact]
    public void BackwardNaNIsReportedAsTheBackwardOfTheRulesPrimitive()
    {
        // sqrt(0)·0 is 0 forwards, but sqrt's rule divides 0 by 2·sqrt(0) = 0: NaN in the backward only.
        var x = Tensor.From(new double[] { 1.0, 0.0 }).RequiresGrad_();
        using (Autograd.DetectAnomaly())
        {
            var loss = (x.Sqrt() * Tensor.From(new double[] { 1.0, 0.0 })).Sum();
            var e = Assert.Throws<AnomalyDetectedException>(() => loss.Backward());
            Assert.Equal("sqrt", e.Primitive);
            Assert.Equal(AnomalyPhase.Backward, e.Phase);
            Assert.Contains("backward (derivative rule) of 'sqrt'", e.Message);
            Assert.Equal(1, e.Element);
        }
    }

    [Fact]
    public void BackwardNaNReturnedByARuleNamesTheInputWhoseGradientItIs()
    {
        var custom = Avalon.Primitives.PrimitiveRegistry.Register(
            "anomaly_test_nan_rule",
            (specs, _) => specs[0],
            (inputs, _, _) => inputs[0].Detach().Clone(),
            c => [Tensor.Full(c.Inputs[0].Shape.ToArray(), double.NaN, c.Inputs[0].DType)]);
        var x = Tensor.From(new double[] { 1.0, 2.0, 3.0 }).RequiresGrad_();
        using (Autograd.DetectAnomaly())
        {
            var loss = custom.Invoke(Avalon.Primitives.Attributes.Empty, x).Sum();
            var e = Assert.Throws<AnomalyDetectedException>(() => loss.Backward());
            Assert.Equal("anomaly_test_nan_rule", e.Primitive);
            Assert.Equal(AnomalyPhase.Backward, e.Phase);
            Assert.Equal(0, e.GradientInput);
            Assert.Equal(["float64[3]"], e.Inputs);
        }
    }

    [Fact]
    public void TracedGradientsAreCheckedToo()
    {
        var x = Tensor.From(new double[] { 0.0 });
        using (Autograd.DetectAnomaly())
        {
            var e = Assert.Throws<AnomalyDetectedException>(() => Grad.Of(t => (t.Sqrt() * 0.0).Sum(), x));
            Assert.Equal("sqrt", e.Primitive);
            Assert.Equal(AnomalyPhase.Backward, e.Phase);
        }
    }

    [Fact]
    public void ScopesNestAndRestoreThePreviousState()
    {
        Assert.False(Autograd.IsAnomalyDetectionEnabled);
        var outer = Autograd.DetectAnomaly();
        using (Autograd.DetectAnomaly()) Assert.True(Autograd.IsAnomalyDetectionEnabled);
        Assert.True(Autograd.IsAnomalyDetectionEnabled);
        outer.Dispose();
        outer.Dispose();
        Assert.False(Autograd.IsAnomalyDetectionEnabled);
    }

    [Fact]
    public void TheModeBelongsToTheThreadThatEnteredIt()
    {
        using (Autograd.DetectAnomaly())
        {
            bool seenElsewhere = true;
            var thread = new Thread(() => seenElsewhere = Autograd.IsAnomalyDetectionEnabled);
            thread.Start();
            thread.Join();
            Assert.False(seenElsewhere);
        }
    }
}
