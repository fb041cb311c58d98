using Avalon.Nn;

namespace Avalon.Tests.Nn;

/// <summary>Activations beyond the reference cases: extreme inputs, float64 naive references and reprs.</summary>
public sealed class ActivationBehaviourTests
{
    [Fact]
    public void ExtremeInputsStayFiniteWithFiniteGradients()
    {
        Func<Tensor, Tensor>[] functions =
        [
            x => Functional.Elu(x), x => Functional.Selu(x), x => Functional.Celu(x, 0.5), x => Functional.Softplus(x),
            x => Functional.LogSigmoid(x), x => Functional.Mish(x), x => Functional.Silu(x), x => Functional.Gelu(x),
            x => Functional.Gelu(x, "tanh"), x => Functional.Softsign(x), x => Functional.Hardswish(x),
        ];
        foreach (var f in functions)
        {
            var x = Tensor.From(new[] { -1000f, -90f, 90f, 1000f }).RequiresGrad_();
            var y = f(x);
            y.Sum().Backward();
            Assert.All(y.ToDoubleArray(), v => Assert.True(double.IsFinite(v), $"value {v}"));
            Assert.All(x.Grad!.ToDoubleArray(), v => Assert.True(double.IsFinite(v), $"gradient {v}"));
        }
        Assert.Equal([-1000f, 0f], Functional.LogSigmoid(Tensor.From(new[] { -1000f, 1000f })).ToArray<float>());
        Assert.Equal([1000f, 0f], Functional.Softplus(Tensor.From(new[] { 1000f, -1000f })).ToArray<float>());
    }

    [Fact]
    public void MatchNaiveFloat64Formulas()
    {
        var x = Tensor.Linspace(-7, 7, 57, DType.Float64);
        var v = x.ToDoubleArray();
        void Check(string name, Tensor actual, Func<double, double> f)
        {
            var got = actual.ToDoubleArray();
            for (int i = 0; i < v.Length; i++) Assert.True(Math.Abs(got[i] - f(v[i])) <= 1e-12 + 1e-12 * Math.Abs(f(v[i])), $"{name}({v[i]}) = {got[i]}, expected {f(v[i])}");
        }
        Check("elu", Functional.Elu(x, 0.7), a => a > 0 ? a : 0.7 * (Math.Exp(a) - 1));
        Check("celu", Functional.Celu(x, 2), a => Math.Max(0, a) + Math.Min(0, 2 * (Math.Exp(a / 2) - 1)));
        Check("softplus", Functional.Softplus(x, 2, 5), a => 2 * a > 5 ? a : Math.Log(1 + Math.Exp(2 * a)) / 2);
        Check("log_sigmoid", Functional.LogSigmoid(x), a => -Math.Log(1 + Math.Exp(-a)));
        Check("hardswish", Functional.Hardswish(x), a => a * Math.Min(Math.Max(a + 3, 0), 6) / 6);
        Check("mish", Functional.Mish(x), a => a * Math.Tanh(Math.Log(1 + Math.Exp(a))));
        Check("gelu tanh", Functional.Gelu(x, "tanh"), a => 0.5 * a * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (a + 0.044715 * a * a * a))));
        Check("softshrink", Functional.Softshrink(x, 1.5), a => a > 1.5 ? a - 1.5 : a < -1.5 ? a + 1.5 : 0);
    }

    [Fact]
    public void HardtanhGradientPassesOnlyStrictlyInside()
    {
        var x = Tensor.From(new[] { -1f, -0.5f, 1f, 2f }).RequiresGrad_();
        Functional.Hardtanh(x).Sum().Backward();
        Assert.Equal([0f, 1f, 0f, 0f], x.Grad!.ToArray<float>());
    }

    [Fact]
    public void SoftmaxModuleWithoutDimUsesPyTorchsLegacyChoice()
    {
        var x = Tensor.Randn([2, 3], new Generator(3));
        NnTestUtil.AssertClose(x.Softmax(1).ToDoubleArray(), new Softmax().Forward(x).ToDoubleArray(), "2-D");
        var cube = Tensor.Randn([2, 3, 4], new Generator(4));
        NnTestUtil.AssertClose(cube.Softmax(0).ToDoubleArray(), new Softmax().Forward(cube).ToDoubleArray(), "3-D");
    }

    [Fact]
    public void PReLUHasOneParameterInitialisedTo0_25()
    {
        var layer = new PReLU(3);
        Assert.Equal(["weight"], layer.NamedParameters().Select(kv => kv.Key));
        Assert.Equal([0.25f, 0.25f, 0.25f], layer.Weight.ToArray<float>());
    }

    [Fact]
    public void ReprsMatchPyTorch()
    {
        Assert.Equal("ReLU()", new ReLU().ToString());
        Assert.Equal("ReLU6()", new ReLU6().ToString());
        Assert.Equal("LeakyReLU(negative_slope=0.01)", new LeakyReLU().ToString());
        Assert.Equal("LeakyReLU(negative_slope=1e-07)", new LeakyReLU(1e-7).ToString());
        Assert.Equal("ELU(alpha=1.0)", new ELU().ToString());
        Assert.Equal("CELU(alpha=1.0)", new CELU().ToString());
        Assert.Equal("SELU()", new SELU().ToString());
        Assert.Equal("GELU(approximate='none')", new GELU().ToString());
        Assert.Equal("GELU(approximate='tanh')", new GELU("tanh").ToString());
        Assert.Equal("Hardtanh(min_val=-1.0, max_val=1.0)", new Hardtanh().ToString());
        Assert.Equal("Softplus(beta=1, threshold=20)", new Softplus().ToString());
        Assert.Equal("Softplus(beta=2.5, threshold=5)", new Softplus(2.5, 5).ToString());
        Assert.Equal("Softmax(dim=None)", new Softmax().ToString());
        Assert.Equal("LogSoftmax(dim=1)", new LogSoftmax(1).ToString());
        Assert.Equal("Softmin(dim=-1)", new Softmin(-1).ToString());
        Assert.Equal("GLU(dim=-1)", new GLU().ToString());
        Assert.Equal("PReLU(num_parameters=1)", new PReLU().ToString());
        Assert.Equal("Threshold(threshold=0.5, value=-2.0)", new Threshold(0.5, -2).ToString());
        Assert.Equal("Hardshrink(0.5)", new Hardshrink().ToString());
        Assert.Equal("Softshrink(0.5)", new Softshrink().ToString());
        Assert.Equal("Sigmoid()", new Sigmoid().ToString());
        Assert.Equal("Mish()", new Mish().ToString());
    }
}
