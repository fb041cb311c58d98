using Avalon.Optim;
using Avalon.Optim.Schedulers;

namespace Avalon.Tests.Optim;

/// <summary><c>LoadStateDict</c> of optimisers and schedulers checks the whole state first and changes nothing when it does not fit.</summary>
public class OptimizerLoadStateDictTests
{
    private static Tensor Parameter(params int[] shape) => Tensor.Ones(shape).RequiresGrad_();

    private static (Optimizer Optimizer, Tensor A, Tensor B) Stepped(string kind)
    {
        var a = Parameter(2, 3);
        var b = Parameter(3);
        Optimizer optimizer = kind switch
        {
            "Sgd" => new Sgd([a, b], lr: 0.1, momentum: 0.9),
            "Adam" => new Adam([a, b], lr: 0.1, amsgrad: true),
            "RmsProp" => new RmsProp([a, b], lr: 0.1, momentum: 0.5, centered: true),
            "Adagrad" => new Adagrad([a, b], lr: 0.1),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        a.Grad = Tensor.Full([2, 3], 0.5);
        b.Grad = Tensor.Full([3], -0.25);
        optimizer.Step();
        optimizer.Step();
        return (optimizer, a, b);
    }

    private static string Fingerprint(Optimizer optimizer)
    {
        var state = optimizer.StateDict();
        var parts = new List<string>();
        foreach (var group in state.ParamGroups)
            parts.Add(string.Join(",", group.Params) + ":" + string.Join(",", group.Options.OrderBy(o => o.Key).Select(o => o.Key + "=" + ParamGroup.FormatValue(o.Value))));
        foreach (var (index, values) in state.State.OrderBy(s => s.Key))
            foreach (var (name, value) in values.OrderBy(v => v.Key))
                parts.Add($"{index}.{name}=" + (value is Tensor t ? string.Join(",", t.ToDoubleArray()) : Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture)));
        return string.Join("|", parts);
    }

    [Theory]
    [InlineData("Sgd", "momentum_buffer")]
    [InlineData("Adam", "exp_avg")]
    [InlineData("Adam", "max_exp_avg_sq")]
    [InlineData("RmsProp", "square_avg")]
    [InlineData("RmsProp", "grad_avg")]
    [InlineData("RmsProp", "momentum_buffer")]
    [InlineData("Adagrad", "sum")]
    public void EveryRequiredStateEntryIsChecked(string kind, string entry)
    {
        var (source, _, _) = Stepped(kind);
        var (target, _, _) = Stepped(kind);
        target.ParamGroups[0].LearningRate = 0.7;
        string before = Fingerprint(target);

        var missing = source.StateDict();
        missing.State[1].Remove(entry);
        if (missing.State[1].Count > 0)   // an empty state is a parameter not stepped yet, which is valid
        {
            var error = Assert.Throws<ArgumentException>(() => target.LoadStateDict(missing));
            Assert.Contains($"state of parameter 1 (shape [3]) has no '{entry}'", error.Message);
            Assert.Equal(before, Fingerprint(target));
        }

        var wrongShape = source.StateDict();
        wrongShape.State[0][entry] = Tensor.Zeros(20, 1, 5, 5, 1);
        Assert.Contains($"state '{entry}' of parameter 0 has shape [20, 1, 5, 5, 1] but its parameter has shape [2, 3]",
            Assert.Throws<ArgumentException>(() => target.LoadStateDict(wrongShape)).Message);
        var integer = source.StateDict();
        integer.State[0][entry] = Tensor.Zeros([2, 3], DType.Int32);
        Assert.Contains("int32 tensor, expected a floating-point tensor", Assert.Throws<ArgumentException>(() => target.LoadStateDict(integer)).Message);
        Assert.Equal(before, Fingerprint(target));
        target.Step();
    }

    [Theory]
    [InlineData("Adam")]
    [InlineData("RmsProp")]
    [InlineData("Adagrad")]
    public void StepCountsMustBeNonNegativeNumbers(string kind)
    {
        var (source, _, _) = Stepped(kind);
        var (target, _, _) = Stepped(kind);
        string before = Fingerprint(target);
        foreach (object bad in new object[] { "x", new[] { 1.0 }, -1.0, double.NaN, true })
        {
            var state = source.StateDict();
            state.State[0]["step"] = bad;
            var error = Assert.Throws<ArgumentException>(() => target.LoadStateDict(state));
            Assert.Contains("state 'step' of parameter 0", error.Message);
            Assert.Equal(before, Fingerprint(target));
        }
        var fractional = source.StateDict();
        fractional.State[0]["step"] = 2.5;
        if (kind == "RmsProp") Assert.Throws<ArgumentException>(() => target.LoadStateDict(fractional));
        else target.LoadStateDict(fractional);
    }

    [Fact]
    public void HyperparametersAreCheckedAgainstTheKindsOfTheDefaultsAndAllProblemsListed()
    {
        var (source, _, _) = Stepped("Adam");
        var (target, _, _) = Stepped("Adam");
        string before = Fingerprint(target);
        var state = source.StateDict();
        state.ParamGroups[0].Options["lr"] = "3";
        state.ParamGroups[0].Options["betas"] = 0.9;
        state.ParamGroups[0].Options.Remove("amsgrad");
        state.State[0]["velocity"] = Tensor.Zeros(2, 3);
        var error = Assert.Throws<ArgumentException>(() => target.LoadStateDict(state));
        Assert.Contains("3 problems", error.Message);
        Assert.Contains("hyperparameter 'lr' is 3 (a string), expected a number", error.Message);
        Assert.Contains("hyperparameter 'betas' is 0.9 (a number), expected a list of 2 numbers", error.Message);
        Assert.Contains("no hyperparameter 'amsgrad'", error.Message);
        Assert.Equal(before, Fingerprint(target));

        var outOfRange = source.StateDict();
        outOfRange.ParamGroups[0].Options["lr"] = -1.0;
        Assert.Contains("Invalid learning rate: -1", Assert.Throws<ArgumentException>(() => target.LoadStateDict(outOfRange)).Message);
        var unknown = source.StateDict();
        unknown.State[0]["velocity"] = Tensor.Zeros(2, 3);
        Assert.Contains("entry 'velocity' that Adam does not keep", Assert.Throws<ArgumentException>(() => target.LoadStateDict(unknown)).Message);
        Assert.Equal(before, Fingerprint(target));
    }

    [Fact]
    public void SchedulerLoadStateDictChangesNothingWhenAnyKeyIsBad()
    {
        var optimizer = new Sgd([Parameter(2)], lr: 0.1);
        var scheduler = new StepLR(optimizer, stepSize: 2, gamma: 0.5);
        scheduler.Step();
        var good = scheduler.StateDict();
        var target = new StepLR(new Sgd([Parameter(2)], lr: 0.3), stepSize: 5, gamma: 0.9);
        var before = target.StateDict();

        var bad = new Dictionary<string, object>(good) { ["gamma"] = "x", ["step_size"] = 0 };
        bad.Remove("last_epoch");
        var error = Assert.Throws<ArgumentException>(() => target.LoadStateDict(bad));
        Assert.Contains("the state has no 'last_epoch'", error.Message);
        Assert.Contains("'gamma' is x (String), expected a number", error.Message);
        Assert.Equal(before, target.StateDict());
        Assert.Equal(2, target.CheckStateDict(bad).Count);

        var zero = new Dictionary<string, object>(good) { ["step_size"] = 0 };
        Assert.Contains("step_size is 0", Assert.Throws<ArgumentException>(() => target.LoadStateDict(zero)).Message);
        Assert.Equal(before, target.StateDict());

        target.LoadStateDict(good);
        Assert.Equal(good, target.StateDict());
    }

    [Fact]
    public void PlateauLoadStateDictChangesNothingWhenAnyKeyIsBad()
    {
        var target = new ReduceLROnPlateau(new Sgd([Parameter(2)], lr: 0.3), patience: 4);
        var before = target.StateDict();
        var bad = new Dictionary<string, object>(before) { ["mode"] = "sideways", ["patience"] = 2 };
        Assert.Contains("mode sideways is unknown", Assert.Throws<ArgumentException>(() => target.LoadStateDict(bad)).Message);
        Assert.Equal(before, target.StateDict());
    }
}
