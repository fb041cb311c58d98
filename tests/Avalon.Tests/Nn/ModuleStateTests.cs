using Avalon.Autodiff;
using Avalon.Nn;

namespace Avalon.Tests.Nn;

/// <summary>State dicts, explicit state, functional calls, flat vectors and dtype conversion.</summary>
public sealed class ModuleStateTests
{
    private sealed class Mlp : Module
    {
        public Mlp(ulong seed)
        {
            Fc1 = new Linear(3, 5, generator: new Generator(seed));
            Fc2 = new Linear(5, 2, generator: new Generator(seed + 1));
        }

        public Linear Fc1 { get; }
        public Linear Fc2 { get; }
        [Buffer] public Tensor Steps = Tensor.Zeros([1], DType.Int64);

        public override Tensor Forward(Tensor x)
        {
            var h = Fc1.Forward(x);
            return Fc2.Forward(h * h);
        }
    }

    [Fact]
    public void StateDictRoundTripCopiesValuesAndKeepsIdentity()
    {
        var source = new Mlp(1);
        var target = new Mlp(10);
        var weight = target.Fc1.Weight;
        Assert.NotEqual(source.Fc1.Weight.ToArray<float>(), weight.ToArray<float>());

        var result = target.LoadStateDict(source.StateDict());

        Assert.Empty(result.MissingKeys);
        Assert.Empty(result.UnexpectedKeys);
        Assert.Same(weight, target.Fc1.Weight);
        Assert.True(weight.RequiresGrad);
        foreach (var (key, value) in source.StateDict())
            Assert.Equal(value.ToDoubleArray(), target.StateDict()[key].ToDoubleArray());
    }

    [Fact]
    public void StateDictValuesShareStorageButAreDetached()
    {
        var m = new Mlp(1);
        var w = m.StateDict()["fc1.weight"];
        Assert.True(w.SharesStorageWith(m.Fc1.Weight));
        Assert.False(w.RequiresGrad);
    }

    [Fact]
    public void StateDictOrderIsOwnParametersThenBuffersThenChildren()
    {
        Assert.Equal(["steps", "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"], new Mlp(1).StateDict().Keys);
    }

    [Fact]
    public void MismatchesAreAllReportedInOneException()
    {
        var m = new Mlp(1);
        var before = m.Fc2.Weight.ToArray<float>();
        var state = new Dictionary<string, Tensor>
        {
            ["fc1.weight"] = Tensor.Zeros(5, 4),
            ["fc1.bias"] = Tensor.Zeros([5], DType.Float64),
            ["fc2.weight"] = Tensor.Zeros(2, 5),
            ["fc3.weight"] = Tensor.Zeros(1),
            ["steps"] = Tensor.Zeros([1], DType.Int64),
        };

        var ex = Assert.Throws<StateDictMismatchException>(() => m.LoadStateDict(state));

        Assert.Equal(
            "Error(s) in loading state_dict for Mlp:\n" +
            "\tMissing key(s) in state_dict: \"fc2.bias\".\n" +
            "\tUnexpected key(s) in state_dict: \"fc3.weight\".\n" +
            "\tsize mismatch for fc1.weight: copying a param with shape [5, 4] from checkpoint, the shape in current model is [5, 3].\n" +
            "\tdtype mismatch for fc1.bias: copying a param of dtype float64 from checkpoint, the dtype in current model is float32. Convert one side with .To(DType).",
            ex.Message);
        Assert.Equal(["fc2.bias"], ex.MissingKeys);
        Assert.Equal(["fc3.weight"], ex.UnexpectedKeys);
        Assert.Equal(2, ex.Mismatches.Count);
        Assert.Equal(before, m.Fc2.Weight.ToArray<float>()); // nothing copied
    }

    [Fact]
    public void NonStrictLoadReportsKeysAndCopiesTheRest()
    {
        var m = new Mlp(1);
        var result = m.LoadStateDict(new Dictionary<string, Tensor>
        {
            ["fc2.bias"] = Tensor.From(new float[] { 7, 8 }),
            ["extra"] = Tensor.Zeros(1),
        }, strict: false);
        Assert.Equal(["steps", "fc1.weight", "fc1.bias", "fc2.weight"], result.MissingKeys);
        Assert.Equal(["extra"], result.UnexpectedKeys);
        Assert.Equal([7f, 8f], m.Fc2.Bias!.ToArray<float>());
    }

    [Fact]
    public void NonStrictLoadStillRejectsShapeMismatches()
    {
        var m = new Mlp(1);
        var ex = Assert.Throws<StateDictMismatchException>(() =>
            m.LoadStateDict(new Dictionary<string, Tensor> { ["fc2.bias"] = Tensor.Zeros(3) }, strict: false));
        Assert.Empty(ex.MissingKeys);
        Assert.Contains("size mismatch for fc2.bias", ex.Message);
    }

    [Fact]
    public void SetStateReplacesTensorsByReference()
    {
        var m = new Mlp(1);
        var state = new Mlp(2).GetState();
        m.SetState(state);
        Assert.Same(state["fc1.weight"], m.Fc1.Weight);
        Assert.Same(state["steps"], m.Steps);
        Assert.Throws<StateDictMismatchException>(() => m.SetState(new Dictionary<string, Tensor> { ["fc1.weight"] = Tensor.Zeros(5, 3) }));
    }

    [Fact]
    public void FunctionalCallSubstitutesAndRestores()
    {
        var m = new Mlp(1);
        var x = Tensor.Randn([4, 3], new Generator(9));
        var other = new Mlp(2);
        var expected = other.Forward(x).ToDoubleArray();
        var original = m.Fc1.Weight;

        var y = m.FunctionalCall(other.GetState(), () => m.Forward(x));

        NnTestUtil.AssertClose(expected, y.ToDoubleArray(), "functional output", 1e-6, 1e-7);
        Assert.Same(original, m.Fc1.Weight);
    }

    [Fact]
    public void FunctionalCallRestoresAfterAnException()
    {
        var m = new Mlp(1);
        var original = m.Fc2.Bias;
        Assert.Throws<InvalidOperationException>(() =>
            m.FunctionalCall<Tensor>(new Dictionary<string, Tensor> { ["fc2.bias"] = Tensor.Zeros(2) },
                () => throw new InvalidOperationException("boom")));
        Assert.Same(original, m.Fc2.Bias);
    }

    [Fact]
    public void FunctionalCallRejectsUnknownNames()
    {
        var m = new Mlp(1);
        var ex = Assert.Throws<ArgumentException>(() =>
            m.FunctionalCall(new Dictionary<string, Tensor> { ["fc9.weight"] = Tensor.Zeros(1) }, () => 0));
        Assert.Contains("\"fc9.weight\"", ex.Message);
    }

    [Fact]
    public void GradOfThroughFunctionalCallMatchesEagerBackward()
    {
        var m = new Mlp(3);
        var x = Tensor.Randn([4, 3], new Generator(4));
        var vector = m.ParametersToVector();
        var r = Grad.Of(v => m.FunctionalCall(m.VectorToNamedParameters(v), () => m.Forward(x).Sum()), vector);

        m.Forward(x).Sum().Backward();
        var eager = m.Parameters().SelectMany(p => p.Grad!.ToDoubleArray()).ToArray();
        NnTestUtil.AssertClose(eager, r.Gradient.ToDoubleArray(), "flat gradient", 1e-5, 1e-6);
    }

    [Fact]
    public void VectorRoundTrip()
    {
        var m = new Mlp(1);
        var v = m.ParametersToVector();
        Assert.Equal(new Shape(3 * 5 + 5 + 5 * 2 + 2), v.Shape);
        Assert.Equal(m.Fc1.Weight.ToArray<float>(), v.ToArray<float>()[..15]);

        var target = new Mlp(5);
        var weight = target.Fc2.Weight;
        target.VectorToParameters(v);
        Assert.Same(weight, target.Fc2.Weight);
        Assert.Equal(v.ToArray<float>(), target.ParametersToVector().ToArray<float>());

        var ex = Assert.Throws<ArgumentException>(() => target.VectorToParameters(Tensor.Zeros(3)));
        Assert.Contains("32", ex.Message);
    }

    [Fact]
    public void ToDTypeConvertsFloatingPointTensorsAndKeepsRequiresGrad()
    {
        var m = new Mlp(1);
        m.Fc1.Weight.RequiresGrad_(false);
        var before = m.Fc1.Weight.ToDoubleArray();
        m.To(DType.Float64);
        Assert.Equal(DType.Float64, m.Fc1.Weight.DType);
        Assert.Equal(DType.Float64, m.Fc2.Bias!.DType);
        Assert.Equal(DType.Int64, m.Steps.DType);
        Assert.False(m.Fc1.Weight.RequiresGrad);
        Assert.True(m.Fc2.Weight.RequiresGrad);
        Assert.True(m.Fc2.Weight.IsLeaf);
        Assert.Equal(before, m.Fc1.Weight.ToDoubleArray());
        Assert.Equal(DType.Float64, m.Forward(Tensor.Zeros([1, 3], DType.Float64)).DType);
        Assert.Same(m, m.To(Device.Cpu));
        Assert.Throws<ArgumentException>(() => m.To(DType.Int32));
    }
}
