using Avalon.Autodiff;
using Avalon.Nn;

namespace Avalon.Tests.Nn;

/// <summary>Modes, freezing, gradients, printing and containers.</summary>
public sealed class ModuleBehaviourTests
{
    private sealed class Mlp : Module
    {
        public Linear Fc1 = new(4, 6, generator: new Generator(11));
        public Linear Fc2 = new(6, 3, generator: new Generator(12));

        public override Tensor Forward(Tensor x)
        {
            var h = Fc1.Forward(x);
            return Fc2.Forward(h * h);
        }
    }

    private sealed class Net : Module
    {
        public Linear Conv1 = new(25, 20, generator: new Generator(1));
        public Sequential Features = new(new Linear(20, 8, generator: new Generator(2)), new Flatten(), new Identity());
        public Linear Fc1 = new(800, 500, generator: new Generator(3));
    }

    [Fact]
    public void GradOfModelMatchesEagerBackward()
    {
        var model = new Mlp();
        var x = Tensor.Randn([5, 4], new Generator(13));
        var target = Tensor.Randn([5, 3], new Generator(14));
        Tensor Loss()
        {
            var d = model.Forward(x) - target;
            return (d * d).Mean();
        }

        var r = Grad.Of(model, Loss);
        Loss().Backward();

        var named = model.NamedParameters().ToList();
        Assert.Equal(4, named.Count);
        for (int i = 0; i < named.Count; i++)
        {
            Assert.Equal(named[i].Key, r.Names[i]);
            NnTestUtil.AssertClose(named[i].Value.Grad!.ToDoubleArray(), r.Gradients[i].ToDoubleArray(), named[i].Key, 1e-5, 1e-7);
        }
        Assert.Contains(named[0].Value.Grad!.ToArray<float>(), v => v != 0);
    }

    [Fact]
    public void TrainAndEvalPropagateToEveryModule()
    {
        var net = new Net();
        Assert.All(net.Modules(), m => Assert.True(m.Training));
        Assert.Same(net, net.Eval());
        Assert.All(net.Modules(), m => Assert.False(m.Training));
        net.Features.Train();
        Assert.False(net.Training);
        Assert.True(net.Features[0].Training);
        net.Train();
        Assert.All(net.Modules(), m => Assert.True(m.Training));
    }

    [Fact]
    public void FreezingAModuleOrOneParameter()
    {
        var net = new Net();
        long total = net.ParameterCount;
        Assert.Equal(25 * 20 + 20 + 20 * 8 + 8 + 800 * 500 + 500, total);
        Assert.Equal(total, net.TrainableParameterCount);

        net.Fc1.RequiresGrad_(false);
        Assert.Equal(total - 800 * 500 - 500, net.TrainableParameterCount);
        net.Conv1.Weight.RequiresGrad_(false);
        Assert.Equal(20 + 20 * 8 + 8, net.TrainableParameterCount);
        net.RequiresGrad_();
        Assert.Equal(total, net.TrainableParameterCount);
    }

    [Fact]
    public void FrozenParametersGetNoGradient()
    {
        var model = new Mlp();
        model.Fc1.RequiresGrad_(false);
        model.Forward(Tensor.Ones(2, 4)).Sum().Backward();
        Assert.Null(model.Fc1.Weight.Grad);
        Assert.NotNull(model.Fc2.Weight.Grad);
    }

    [Fact]
    public void ZeroGradClearsOrZeroesGradients()
    {
        var model = new Mlp();
        model.Forward(Tensor.Ones(2, 4)).Sum().Backward();
        model.ZeroGrad(setToNone: false);
        Assert.All(model.Fc2.Weight.Grad!.ToArray<float>(), v => Assert.Equal(0f, v));
        model.ZeroGrad();
        Assert.All(model.Parameters(), p => Assert.Null(p.Grad));
    }

    [Fact]
    public void ToStringPrintsThePyTorchTree()
    {
        Assert.Equal(
            "Net(\n" +
            "  (conv1): Linear(in_features=25, out_features=20, bias=True)\n" +
            "  (features): Sequential(\n" +
            "    (0): Linear(in_features=20, out_features=8, bias=True)\n" +
            "    (1): Flatten(start_dim=1, end_dim=-1)\n" +
            "    (2): Identity()\n" +
            "  )\n" +
            "  (fc1): Linear(in_features=800, out_features=500, bias=True)\n" +
            ")",
            new Net().ToString());
    }

    [Fact]
    public void SummaryListsEveryParameterAndTotals()
    {
        var net = new Net();
        net.Fc1.Bias!.RequiresGrad_(false);
        var s = net.Summary();
        Assert.Contains("features.0.weight", s);
        Assert.Contains("[8, 20]", s);
        Assert.Contains("400,000", s);
        Assert.Contains("Total parameters: 401,188", s);
        Assert.Contains("Trainable parameters: 400,688", s);
        Assert.Contains("Non-trainable parameters: 500", s);
        var line = s.Split('\n').Single(l => l.StartsWith("fc1.weight", StringComparison.Ordinal));
        Assert.Contains("Linear", line);
    }

    [Fact]
    public void ApplyVisitsChildrenBeforeParents()
    {
        var net = new Net();
        var order = new List<string>();
        net.Apply(m => order.Add(m.GetType().Name));
        Assert.Equal(["Linear", "Linear", "Flatten", "Identity", "Sequential", "Linear", "Net"], order);

        net.Apply(m =>
        {
            if (m is Linear l) Init.Zeros_(l.Weight);
        });
        Assert.All(net.Fc1.Weight.ToArray<float>(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void SequentialChainsAndNamesChildrenByIndex()
    {
        var seq = new Sequential(new Linear(3, 4, generator: new Generator(1)), new Linear(4, 2, generator: new Generator(2)));
        var x = Tensor.Randn([5, 3], new Generator(3));
        var expected = seq[1].Forward(seq[0].Forward(x)).ToDoubleArray();
        Assert.Equal(expected, seq.Forward(x).ToDoubleArray());
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias"], seq.NamedParameters().Select(p => p.Key));
        Assert.Same(seq[1], seq[-1]);
        seq.Append(new Identity());
        Assert.Equal(3, seq.Count);
        Assert.Equal(x.ToDoubleArray(), new Sequential().Forward(x).ToDoubleArray());
    }

    [Fact]
    public void SettingASequentialElementReplacesThatModuleInForwardAndState()
    {
        var seq = new Sequential(new Linear(3, 4, generator: new Generator(1)), new ReLU());
        var replacement = new Linear(3, 4, bias: false, generator: new Generator(5));
        seq[-2] = replacement;
        Assert.Same(replacement, seq[0]);
        Assert.Equal(["0.weight"], seq.NamedParameters().Select(p => p.Key));
        var x = Tensor.Randn([2, 3], new Generator(3));
        Assert.Equal(Functional.Relu(replacement.Forward(x)).ToDoubleArray(), seq.Forward(x).ToDoubleArray());
        Assert.Throws<ArgumentNullException>(() => seq[0] = null!);
        Assert.Throws<ArgumentOutOfRangeException>(() => seq[2] = new ReLU());
    }

    [Fact]
    public void ModuleListAndModuleDictHoldChildren()
    {
        var list = new ModuleList(new Linear(1, 2), new Linear(2, 3));
        list.Add(new Linear(3, 1, bias: false));
        Assert.Equal(["0.weight", "0.bias", "1.weight", "1.bias", "2.weight"], list.NamedParameters().Select(p => p.Key));
        Assert.Throws<NotSupportedException>(() => list.Forward(Tensor.Zeros(1)));
        list.RemoveAt(0);
        Assert.Equal("1.weight", list.NamedParameters().Last().Key);

        var dict = new ModuleDict { ["cls"] = new Linear(2, 3), ["box"] = new Linear(2, 4, bias: false) };
        Assert.Equal(["cls.weight", "cls.bias", "box.weight"], dict.NamedParameters().Select(p => p.Key));
        Assert.Throws<ArgumentException>(() => dict["a.b"] = new Identity());
        Assert.Equal(
            "ModuleDict(\n  (cls): Linear(in_features=2, out_features=3, bias=True)\n  (box): Linear(in_features=2, out_features=4, bias=False)\n)",
            dict.ToString());
    }
}
