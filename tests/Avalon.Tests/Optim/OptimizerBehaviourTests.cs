using System.Text.Json;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Tests.Reference;

namespace Avalon.Tests.Optim;

/// <summary>Constructor checks, defaults, gradients handling and state-dict checks of the optimisers.</summary>
public sealed class OptimizerBehaviourTests
{
    private static Tensor Parameter(params float[] values) => Tensor.From(values).RequiresGrad_();

    public static TheoryData<string, string> DefaultCases() => new()
    {
        { "SGD", "SGD_plain" },
        { "Adam", "Adam_default" },
        { "AdamW", "AdamW_default" },
        { "RMSprop", "RMSprop_default" },
        { "Adagrad", "Adagrad_default" },
    };

    [Theory]
    [MemberData(nameof(DefaultCases))]
    public void TensorConstructorDefaultsMatchPyTorch(string kind, string caseName)
    {
        Tensor[] p = [Parameter(1, 2)];
        Optimizer optimizer = kind switch
        {
            "SGD" => new Sgd(p, lr: 0.1),
            "Adam" => new Adam(p),
            "AdamW" => new AdamW(p),
            "RMSprop" => new RmsProp(p),
            _ => new Adagrad(p),
        };
        JsonElement resolved = ReferenceData.Load("optimizers")[caseName].Json.GetProperty("param_groups_resolved")[0];
        int compared = 0;
        foreach (JsonProperty e in resolved.EnumerateObject())
        {
            if (!optimizer.Defaults.TryGetValue(e.Name, out object? value)) continue;
            compared++;
            object expected = e.Value.ValueKind switch
            {
                JsonValueKind.Number => e.Value.GetDouble(),
                JsonValueKind.Array => e.Value.EnumerateArray().Select(x => x.GetDouble()).ToArray(),
                _ => e.Value.GetBoolean(),
            };
            Assert.Equal(expected, value);
            Assert.Equal(expected, optimizer.ParamGroups[0][e.Name]);
        }
        Assert.Equal(optimizer.Defaults.Count, compared);
    }

    public static TheoryData<string, string> BadHyperparameters() => new()
    {
        { "SGD lr", "Invalid learning rate: -1" },
        { "SGD momentum", "Invalid momentum value: -0.5" },
        { "SGD weight_decay", "Invalid weight_decay value: -0.1" },
        { "SGD nesterov", "Nesterov momentum requires a momentum and zero dampening" },
        { "Adam lr", "Invalid learning rate: -1" },
        { "Adam eps", "Invalid epsilon value: -1" },
        { "Adam beta1", "Invalid beta parameter at index 0: 1" },
        { "Adam beta2", "Invalid beta parameter at index 1: -0.1" },
        { "Adam weight_decay", "Invalid weight_decay value: -0.1" },
        { "AdamW lr", "Invalid learning rate: -0.001" },
        { "AdamW weight_decay", "Invalid weight_decay value: -1" },
        { "RMSprop lr", "Invalid learning rate: -1" },
        { "RMSprop alpha", "Invalid alpha value: -0.5" },
        { "RMSprop eps", "Invalid epsilon value: -1" },
        { "RMSprop momentum", "Invalid momentum value: -1" },
        { "Adagrad lr_decay", "Invalid lr_decay value: -1" },
        { "Adagrad initial_accumulator_value", "Invalid initial_accumulator_value value: -1" },
        { "Adagrad eps", "Invalid epsilon value: -1" },
        { "group lr", "Invalid learning rate: -2" },
    };

    [Theory]
    [MemberData(nameof(BadHyperparameters))]
    public void BadHyperparametersAreRejectedByName(string what, string message)
    {
        Tensor[] p = [Parameter(1)];
        Func<Optimizer> create = what switch
        {
            "SGD lr" => () => new Sgd(p, lr: -1),
            "SGD momentum" => () => new Sgd(p, lr: 0.1, momentum: -0.5),
            "SGD weight_decay" => () => new Sgd(p, lr: 0.1, weightDecay: -0.1),
            "SGD nesterov" => () => new Sgd(p, lr: 0.1, momentum: 0.9, dampening: 0.1, nesterov: true),
            "Adam lr" => () => new Adam(p, lr: -1),
            "Adam eps" => () => new Adam(p, eps: -1),
            "Adam beta1" => () => new Adam(p, betas: (1.0, 0.999)),
            "Adam beta2" => () => new Adam(p, betas: (0.9, -0.1)),
            "Adam weight_decay" => () => new Adam(p, weightDecay: -0.1),
            "AdamW lr" => () => new AdamW(p, lr: -0.001),
            "AdamW weight_decay" => () => new AdamW(p, weightDecay: -1),
            "RMSprop lr" => () => new RmsProp(p, lr: -1),
            "RMSprop alpha" => () => new RmsProp(p, alpha: -0.5),
            "RMSprop eps" => () => new RmsProp(p, eps: -1),
            "RMSprop momentum" => () => new RmsProp(p, momentum: -1),
            "Adagrad lr_decay" => () => new Adagrad(p, lrDecay: -1),
            "Adagrad initial_accumulator_value" => () => new Adagrad(p, initialAccumulatorValue: -1),
            "Adagrad eps" => () => new Adagrad(p, eps: -1),
            _ => () => new Adam([new ParamGroup(p) { ["lr"] = -2 }]),
        };
        var e = Assert.Throws<ArgumentOutOfRangeException>(create);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void ParametersMustBeFloatingPointLeavesListedOnce()
    {
        var p = Parameter(1, 2);
        Assert.Contains("empty parameter list", Assert.Throws<ArgumentException>(() => new Adam(Array.Empty<Tensor>())).Message);
        Assert.Contains("non-leaf", Assert.Throws<ArgumentException>(() => new Adam([p * 2])).Message);
        Assert.Contains("floating-point", Assert.Throws<ArgumentException>(() => new Adam([Tensor.From(new long[] { 1 })])).Message);
        Assert.Contains("more than once",
            Assert.Throws<ArgumentException>(() => new Sgd([new ParamGroup([p]), new ParamGroup([p])], lr: 0.1)).Message);
    }

    [Fact]
    public void StepUpdatesParametersInPlaceAndSkipsThoseWithoutGradient()
    {
        var a = Parameter(1, 2, 3);
        var b = Parameter(5);
        var sgd = new Sgd([a, b], lr: 0.5, momentum: 0.9);
        a.Grad = Tensor.From(new float[] { 2, 2, 2 });
        sgd.Step();
        Assert.Same(a, sgd.ParamGroups[0].Parameters[0]);
        Assert.Equal(new float[] { 0, 1, 2 }, a.ToArray<float>());
        Assert.Equal(new float[] { 5 }, b.ToArray<float>());
        Assert.Null(sgd.GetState(b));
        Assert.NotNull(sgd.GetState(a));
        Assert.True(a.RequiresGrad);
        Assert.True(a.IsLeaf);
    }

    [Fact]
    public void StridedGradientsGiveTheSameStepAsDenseOnes()
    {
        float[] values = [0.5f, -1, 2, 0.25f, 3, -0.75f];
        var dense = Tensor.From(values, 3, 2).RequiresGrad_();
        var strided = Tensor.From(values, 3, 2).RequiresGrad_();
        var g = Tensor.From(new float[] { 1, -2, 3, 0.5f, -1, 4 }, 2, 3);
        dense.Grad = g.T.Contiguous();
        strided.Grad = g.T;
        Assert.False(strided.Grad.IsContiguous);
        var first = new Adam([dense], lr: 0.1);
        var second = new Adam([strided], lr: 0.1);
        for (int i = 0; i < 3; i++)
        {
            first.Step();
            second.Step();
        }
        Assert.Equal(dense.ToArray<float>(), strided.ToArray<float>());
    }

    [Fact]
    public void GradientShapeAndDTypeMustMatchTheParameter()
    {
        var p = Parameter(1, 2);
        var sgd = new Sgd([p], lr: 0.1);
        p.Grad = Tensor.From(new float[] { 1, 2, 3 });
        Assert.Contains("shape [3]", Assert.Throws<InvalidOperationException>(sgd.Step).Message);
        p.Grad = Tensor.From(new double[] { 1, 2 });
        Assert.Contains("float64", Assert.Throws<InvalidOperationException>(sgd.Step).Message);
    }

    [Fact]
    public void ZeroGradSetsToNoneByDefaultLikePyTorch2()
    {
        var p = Parameter(1, 2);
        var sgd = new Sgd([p], lr: 0.1);
        ((p * p).Sum()).Backward();
        Tensor grad = p.Grad!;
        sgd.ZeroGrad(setToNone: false);
        Assert.Same(grad, p.Grad);
        Assert.Equal(new float[] { 0, 0 }, p.Grad!.ToArray<float>());
        sgd.ZeroGrad();
        Assert.Null(p.Grad);
        sgd.ZeroGrad(); // nothing to clear
        Assert.Null(p.Grad);
    }

    [Fact]
    public void ModuleAndOptimizerZeroGradHaveTheSameDefault()
    {
        static bool DefaultSetToNone(Type type) =>
            (bool)type.GetMethod("ZeroGrad", [typeof(bool)])!.GetParameters()[0].DefaultValue!;
        Assert.True(DefaultSetToNone(typeof(Optimizer)));
        Assert.True(DefaultSetToNone(typeof(Module)));

        var layer = new Linear(2, 1, generator: new Generator(3));
        var sgd = new Sgd(layer.Parameters(), lr: 0.1);
        layer.Forward(Tensor.Ones(1, 2)).Sum().Backward();
        Assert.NotNull(layer.Weight.Grad);
        layer.ZeroGrad();
        Assert.Null(layer.Weight.Grad);
        layer.Forward(Tensor.Ones(1, 2)).Sum().Backward();
        sgd.ZeroGrad();
        Assert.Null(layer.Weight.Grad);
    }

    [Fact]
    public void ZeroGradientStillAppliesWeightDecayButNullGradientSkips()
    {
        var p = Parameter(1, -2);
        var sgd = new Sgd([p], lr: 0.5, weightDecay: 0.1);
        p.Grad = Tensor.Zeros(2);
        sgd.Step();
        Assert.Equal(new float[] { 0.95f, -1.9f }, p.ToArray<float>());
        sgd.ZeroGrad(setToNone: true);
        sgd.Step();
        Assert.Equal(new float[] { 0.95f, -1.9f }, p.ToArray<float>());
    }

    [Fact]
    public void ClosureIsEvaluatedBeforeTheStep()
    {
        var p = Parameter(3);
        var sgd = new Sgd([p], lr: 0.25);
        Tensor loss = sgd.Step(() =>
        {
            sgd.ZeroGrad();
            Tensor l = (p * p).Sum();
            l.Backward();
            return l;
        });
        Assert.Equal(9, loss.Item());
        Assert.Equal(new float[] { 1.5f }, p.ToArray<float>());
    }

    [Fact]
    public void GroupHyperparametersCanBeChangedBetweenSteps()
    {
        var p = Parameter(1);
        var sgd = new Sgd([p], lr: 1);
        p.Grad = Tensor.From(new float[] { 1 });
        sgd.ParamGroups[0].LearningRate = 0.25;
        sgd.Step();
        Assert.Equal(new float[] { 0.75f }, p.ToArray<float>());
        Assert.Contains("has no hyperparameter 'betas'", Assert.Throws<KeyNotFoundException>(() => sgd.ParamGroups[0]["betas"]).Message);
        Assert.Throws<ArgumentException>(() => sgd.ParamGroups[0]["lr"] = new object());
        sgd.ParamGroups[0]["lr"] = 2; // an int becomes a double
        Assert.Equal(2.0, sgd.ParamGroups[0].LearningRate);
    }

    [Fact]
    public void AddParamGroupFillsDefaultsAndLazilyCreatesState()
    {
        var a = Parameter(1);
        var b = Parameter(2);
        var adam = new Adam([a], lr: 0.01);
        adam.AddParamGroup(new ParamGroup([b]) { ["betas"] = (0.5, 0.6) });
        Assert.Equal(0.01, adam.ParamGroups[1].LearningRate);
        Assert.Equal(new[] { 0.5, 0.6 }, adam.ParamGroups[1].GetDoubles("betas"));
        b.Grad = Tensor.From(new float[] { 1 });
        adam.Step();
        Assert.Null(adam.GetState(a));
        Assert.Equal(1.0, adam.GetState(b)!["step"]);
    }

    [Fact]
    public void LoadStateDictChecksTheGroups()
    {
        var a = Parameter(1, 2);
        var b = Parameter(3);
        var source = new Sgd([new ParamGroup([a]), new ParamGroup([b])], lr: 0.1, momentum: 0.9);
        a.Grad = Tensor.From(new float[] { 1, 1 });
        source.Step();
        OptimizerStateDict saved = source.StateDict();
        Assert.Equal([0], saved.ParamGroups[0].Params);
        Assert.Equal([1], saved.ParamGroups[1].Params);
        Assert.Equal([0], saved.State.Keys);

        var oneGroup = new Sgd([Parameter(1, 2), Parameter(3)], lr: 0.1, momentum: 0.9);
        Assert.Contains("2 parameter groups", Assert.Throws<ArgumentException>(() => oneGroup.LoadStateDict(saved)).Message);
        var otherSizes = new Sgd([new ParamGroup([Parameter(1, 2), Parameter(3)]), new ParamGroup([Parameter(4)])], lr: 0.1);
        Assert.Contains("doesn't match the size", Assert.Throws<ArgumentException>(() => otherSizes.LoadStateDict(saved)).Message);
        var otherShapes = new Sgd([new ParamGroup([Parameter(1, 2, 3)]), new ParamGroup([Parameter(4)])], lr: 0.1);
        Assert.Contains("shape", Assert.Throws<ArgumentException>(() => otherShapes.LoadStateDict(saved)).Message);

        // Hyperparameters come from the state dict, as in PyTorch; state tensors take the parameter's dtype.
        var target = new Sgd([new ParamGroup([Tensor.From(new double[] { 1, 2 }).RequiresGrad_()]), new ParamGroup([Parameter(3)])], lr: 1);
        target.LoadStateDict(saved);
        Assert.Equal(0.1, target.ParamGroups[0].LearningRate);
        Assert.Equal(0.9, target.ParamGroups[1].GetDouble("momentum"));
        var buffer = (Tensor)target.GetState(target.ParamGroups[0].Parameters[0])!["momentum_buffer"];
        Assert.Equal(DType.Float64, buffer.DType);
        Assert.Equal(new double[] { 1, 1 }, buffer.ToArray<double>());
    }

    [Fact]
    public void AdagradCreatesItsStateUpFront()
    {
        var p = Parameter(1, 2);
        var adagrad = new Adagrad([p], initialAccumulatorValue: 0.5);
        var state = adagrad.GetState(p)!;
        Assert.Equal(0.0, state["step"]);
        Assert.Equal(new float[] { 0.5f, 0.5f }, ((Tensor)state["sum"]).ToArray<float>());
        Assert.Equal([0], adagrad.StateDict().State.Keys);
    }

    [Fact]
    public void RmsPropCountsStepsAsLong()
    {
        var p = Parameter(1);
        var rms = new RmsProp([p]);
        p.Grad = Tensor.From(new float[] { 1 });
        rms.Step();
        rms.Step();
        Assert.Equal(2L, rms.GetState(p)!["step"]);
    }

    [Fact]
    public void ModuleParametersAreUpdatedWhereTheModuleHoldsThem()
    {
        var layer = new Linear(3, 2, generator: new Generator(7));
        Tensor weight = layer.Weight;
        // The loss is quadratic with curvature up to about 25.7 along its steepest direction (weights and
        // bias), so a step decreases it for any initial weights only when lr < 2 / 25.7 ≈ 0.078.
        var sgd = new Sgd(layer.Parameters(), lr: 0.02);
        var x = Tensor.From(new float[] { 1, -2, 0.5f, 3, 0, -1 }, 2, 3);
        float[] before = weight.ToArray<float>();

        sgd.ZeroGrad();
        Tensor loss = (layer.Forward(x) * layer.Forward(x)).Sum();
        loss.Backward();
        float[] grad = weight.Grad!.ToArray<float>();
        sgd.Step();

        Assert.Same(weight, layer.Weight);
        float[] after = layer.Weight.ToArray<float>();
        for (int i = 0; i < after.Length; i++) Assert.Equal(before[i] - 0.02f * grad[i], after[i], 6);
        Assert.True((layer.Forward(x) * layer.Forward(x)).Sum().Item() < loss.Item());
    }
}
