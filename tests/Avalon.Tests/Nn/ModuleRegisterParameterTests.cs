using Avalon.Autodiff;
using Avalon.Nn;

namespace Avalon.Tests.Nn;

/// <summary>Parameters added by name with <c>RegisterParameter</c> behave like Tensor fields in every view of a module.</summary>
public sealed class ModuleRegisterParameterTests
{
    private sealed class Stack : Module
    {
        public Stack(int layers)
        {
            for (int i = 0; i < layers; i++) RegisterParameter($"w{i}", Tensor.Full([2], i + 1).RequiresGrad_());
            RegisterParameter("unused", null);
        }

        public Tensor Scale { get; set; } = Tensor.Ones(2).RequiresGrad_();

        public Tensor W(int i) => RegisteredParameter($"w{i}")!;

        public void Register(string name) => RegisterParameter(name, Tensor.Zeros(1));

        public override Tensor Forward(Tensor input) => input * Scale * W(0) * W(1);
    }

    [Fact]
    public void RegisteredParametersFollowTheFieldsInEveryView()
    {
        var m = new Stack(2);
        Assert.Equal(["scale", "w0", "w1"], m.NamedParameters().Select(p => p.Key));
        Assert.Equal(["scale", "w0", "w1"], m.StateDict().Keys);
        Assert.Equal(6, m.ParameterCount);
        Assert.Same(m.W(1), m.GetParameter("w1"));

        var outer = new Sequential(m);
        Assert.Equal(["0.scale", "0.w0", "0.w1"], outer.StateDict().Keys);
        Assert.Same(m.W(0), outer.GetParameter("0.w0"));
    }

    [Fact]
    public void LoadSetStateFunctionalCallAndToReplaceOrFillThem()
    {
        var m = new Stack(2);
        var w1 = m.W(1);
        m.LoadStateDict(new Dictionary<string, Tensor> { ["scale"] = Tensor.Ones(2), ["w0"] = Tensor.Full([2], 5), ["w1"] = Tensor.Full([2], 7) });
        Assert.Same(w1, m.W(1));
        Assert.Equal([7f, 7f], m.W(1).ToArray<float>());

        var x = Tensor.Ones(2);
        var y = m.FunctionalCall(new Dictionary<string, Tensor> { ["w1"] = Tensor.Full([2], 2) }, () => m.Forward(x));
        Assert.Equal([10f, 10f], y.ToArray<float>());
        Assert.Same(w1, m.W(1));

        var grads = Grad.Of(m, () => m.Forward(x).Sum());
        Assert.Equal([35f, 35f], grads["scale"].ToArray<float>());
        Assert.Equal([5f, 5f], grads["w1"].ToArray<float>());

        m.To(DType.Float64);
        Assert.Equal(DType.Float64, m.W(1).DType);
        Assert.True(m.W(1).RequiresGrad);
        Assert.NotSame(w1, m.W(1));
    }

    [Fact]
    public void NamesMustBeNewPlainKeys()
    {
        var m = new Stack(1);
        Assert.Throws<ArgumentException>(() => m.Register("scale"));
        Assert.Throws<ArgumentException>(() => m.Register("a.b"));
        Assert.Throws<ArgumentException>(() => m.Register(""));
        m.Register("w0");   // registering again replaces, as PyTorch does
        Assert.Equal(new Shape(1), m.GetParameter("w0").Shape);
        var ex = Assert.Throws<ArgumentException>(() => m.GetParameter("w9"));
        Assert.Contains("w0", ex.Message);
    }
}
