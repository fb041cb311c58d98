using Avalon.Backends;
using Avalon.Autodiff;
using Avalon.Primitives;

namespace Avalon.Tests.Autodiff;

public class TapeTests
{
    [Fact]
    public void TracePrintsSsaWithShapesAndAttributes()
    {
        var x = Tensor.Ones(2, 3);
        var tape = Grad.Trace(a => (a[0] * 2.0).Sum([1]), x);
        var text = tape.ToString();
        Assert.Contains("%0 = input x0 : float32[2, 3]", text);
        Assert.Contains("= const 2 : float32[]", text);
        Assert.Contains("= mul(%0, %1) : float32[2, 3]", text);
        Assert.Contains("= sum(%2; dims=[1], keepdim=False) : float32[2]", text);
        Assert.EndsWith("return %3", text);
    }

    [Fact]
    public void OpsCanBeWalkedAndRecordSpecs()
    {
        var tape = Grad.Trace(a => a[0].MatMul(a[1]).Exp(), Tensor.Ones(2, 3), Tensor.Ones(3, 4));
        var calls = tape.Ops.OfType<CallOp>().ToList();
        Assert.Equal(["matmul", "exp"], calls.Select(c => c.Primitive.Name));
        Assert.Equal(new Shape(2, 4), calls[0].Spec.Shape);
        Assert.Equal(2, tape.Inputs.Count);
    }

    [Fact]
    public void ReplayOnNewInputsRecomputes()
    {
        var tape = Grad.Trace(a => a[0] * a[0] + a[1], Tensor.Ones(3), Tensor.Ones(3));
        var y = tape.Run(Tensor.From(new float[] { 1, 2, 3 }), Tensor.From(new float[] { 10, 20, 30 }))[0];
        Assert.Equal(new float[] { 11, 24, 39 }, y.ToArray<float>());
        var ex = Assert.Throws<ArgumentException>(() => tape.Run(Tensor.Ones(4), Tensor.Ones(3)));
        Assert.Contains("was recorded as float32[3]", ex.Message);
    }

    [Fact]
    public void GradientTapeReplaysValueAndGradients()
    {
        var r = Grad.Of(a => (a[0] * a[0] * a[1]).Sum(), Tensor.From(new double[] { 1, 2 }), Tensor.From(new double[] { 3, 4 }));
        var outputs = r.Tape.Run(Tensor.From(new double[] { 2, 3 }), Tensor.From(new double[] { 5, 7 }));
        Assert.Equal(3, outputs.Length);
        Assert.Equal(2 * 2 * 5 + 3 * 3 * 7, outputs[0].Item());
        Assert.Equal(new double[] { 2 * 2 * 5, 2 * 3 * 7 }, outputs[1].ToArray<double>());
        Assert.Equal(new double[] { 4, 9 }, outputs[2].ToArray<double>());
    }

    [Fact]
    public void RewrittenTapeRuns()
    {
        // A pass that replaces exp(x) by x*x: build a new tape from the ops.
        var tape = Grad.Trace(a => a[0].Exp() + 1.0, Tensor.Ones(2));
        var mul = PrimitiveRegistry.Get("mul");
        var ops = tape.Ops.Select(op => op is CallOp { Primitive.Name: "exp" } c
            ? c with { Primitive = mul, Args = [c.Args[0], c.Args[0]] }
            : op).ToList();
        var rewritten = new Tape(ops, tape.Outputs);
        var y = rewritten.Run(Tensor.From(new float[] { 2, 3 }))[0];
        Assert.Equal(new float[] { 5, 10 }, y.ToArray<float>());
        Assert.Throws<ArgumentException>(() => new Tape([new CallOp(0, default, mul, Attributes.Empty, [5, 6])], [0]));
    }

    [Fact]
    public void MissingRuleNamesThePrimitiveAndHowToRegister()
    {
        var noRule = PrimitiveRegistry.Register("test_square_no_rule",
            (specs, _) => specs[0],
            (x, _, o) => Backend.For(o[0].Device).Copy(Tensor.From(x[0].ToArray<double>().Select(v => v * v).ToArray(), x[0].Shape.ToArray()), o[0]));
        var ex = Assert.Throws<MissingDerivativeRuleException>(() => Grad.Of(t => noRule.Invoke(Attributes.Empty, t).Sum(), Tensor.Ones([2], DType.Float64)));
        Assert.Contains("'test_square_no_rule' has no derivative rule", ex.Message);
        Assert.Contains("PrimitiveRegistry.Register", ex.Message);
    }

    [Fact]
    public void UserPrimitiveWithRuleIsDifferentiable()
    {
        var cube = PrimitiveRegistry.Register("test_cube",
            (specs, _) => specs[0],
            (x, _, o) => Backend.For(o[0].Device).Copy(Tensor.From(x[0].ToArray<double>().Select(v => v * v * v).ToArray(), x[0].Shape.ToArray()), o[0]),
            c => [c.GradOutput * c.Inputs[0] * c.Inputs[0] * 3.0]);
        var (value, grad) = Grad.Of(t => cube.Invoke(Attributes.Empty, t).Sum(), Tensor.From(new double[] { 1, 2 }));
        Assert.Equal(9, value.Item());
        Assert.Equal(new double[] { 3, 12 }, grad.ToArray<double>());
        Assert.Contains(PrimitiveRegistry.All, p => p.Name == "test_cube");
    }

    [Fact]
    public void NoGradStopsEagerRecordingButDetachCutsTapes()
    {
        var x = Tensor.Ones(2).RequiresGrad_();
        Tensor y;
        using (new NoGrad()) y = x * 2.0;
        Assert.False(y.RequiresGrad);
        var r = Grad.Of(a => (a * a.Detach()).Sum(), Tensor.From(new double[] { 3 }));
        Assert.Equal(3, r.Gradient.Item());
    }
}
