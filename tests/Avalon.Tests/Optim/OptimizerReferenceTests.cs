using System.Text.Json;
using Avalon.Optim;
using Avalon.Tests.Reference;
using static Avalon.Tests.Optim.OptimTestSupport;

namespace Avalon.Tests.Optim;

/// <summary>
/// Every optimiser case of optimizers.json: the stored gradients are set before each of the 10 steps,
/// and the parameters after each step, the final state and the resolved parameter groups are
/// compared with PyTorch 1.13's.
/// </summary>
public sealed class OptimizerReferenceTests
{
    private const double Rtol = 1e-5, Atol = 1e-6;

    /// <summary>PyTorch keys that select an implementation rather than the algorithm; Avalon has one.</summary>
    private static readonly HashSet<string> s_implementationKeys = ["foreach", "differentiable", "capturable", "fused"];

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (ReferenceCase c in ReferenceData.Load("optimizers").Cases)
            if (OptimizerKinds.Contains(c.Kind)) data.Add(c.Name);
        return data;
    }

    private static ReferenceCase Case(string name) => ReferenceData.Load("optimizers")[name];

    private static List<Tensor> InitialParameters(ReferenceCase c, DType dtype = DType.Float32) =>
        c.Tensors("params_initial").Select(t => ToTensor(t!, dtype).RequiresGrad_()).ToList();

    private static void SetGradients(ReferenceCase c, IReadOnlyList<Tensor> parameters, int step, DType dtype = DType.Float32)
    {
        IReadOnlyList<ReferenceTensor?> grads = c.TensorLists("grads")[step];
        for (int i = 0; i < parameters.Count; i++)
            parameters[i].Grad = grads[i] is null ? null : ToTensor(grads[i]!, dtype);
    }

    private static void AssertParameters(ReferenceCase c, IReadOnlyList<Tensor> parameters, int step, double rtol, double atol)
    {
        IReadOnlyList<ReferenceTensor?> expected = c.TensorLists("params")[step];
        for (int i = 0; i < parameters.Count; i++)
            AssertClose(expected[i]!, parameters[i], rtol, atol, $"{c.Name}: parameter {i} after step {step + 1}");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TrajectoryMatchesPyTorch(string name)
    {
        ReferenceCase c = Case(name);
        List<Tensor> parameters = InitialParameters(c);
        Optimizer optimizer = CreateOptimizer(c, parameters);
        int steps = c.TensorLists("grads").Count;
        Assert.Equal(10, steps);
        for (int step = 0; step < steps; step++)
        {
            SetGradients(c, parameters, step);
            optimizer.Step();
            AssertParameters(c, parameters, step, Rtol, Atol);
        }
        AssertFinalState(c, optimizer, parameters);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResolvedParamGroupsMatchPyTorch(string name)
    {
        ReferenceCase c = Case(name);
        List<Tensor> parameters = InitialParameters(c);
        OptimizerStateDict state = CreateOptimizer(c, parameters).StateDict();
        JsonElement[] expectedGroups = c.Json.GetProperty("param_groups_resolved").EnumerateArray().ToArray();
        Assert.Equal(expectedGroups.Length, state.ParamGroups.Count);
        for (int g = 0; g < expectedGroups.Length; g++)
        {
            ParamGroupState actual = state.ParamGroups[g];
            var expectedKeys = new HashSet<string>();
            foreach (JsonProperty p in expectedGroups[g].EnumerateObject())
            {
                if (s_implementationKeys.Contains(p.Name)) continue;
                if (p.Name == "params")
                {
                    Assert.Equal(p.Value.EnumerateArray().Select(e => e.GetInt32()), actual.Params);
                    continue;
                }
                expectedKeys.Add(p.Name);
                Assert.True(actual.Options.TryGetValue(p.Name, out object? value), $"{name}: group {g} lacks '{p.Name}'");
                switch (p.Value.ValueKind)
                {
                    case JsonValueKind.Number:
                        Assert.Equal(p.Value.GetDouble(), Assert.IsType<double>(value));
                        break;
                    case JsonValueKind.True or JsonValueKind.False:
                        Assert.Equal(p.Value.GetBoolean(), Assert.IsType<bool>(value));
                        break;
                    default:
                        Assert.Equal(p.Value.EnumerateArray().Select(e => e.GetDouble()), Assert.IsType<double[]>(value));
                        break;
                }
            }
            Assert.Equal(expectedKeys.Order(), actual.Options.Keys.Order());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float64TrajectoryTracksPyTorch(string name)
    {
        // The float32 reference also bounds the float64 path: the two differ by float32 rounding only.
        ReferenceCase c = Case(name);
        List<Tensor> parameters = InitialParameters(c, DType.Float64);
        Optimizer optimizer = CreateOptimizer(c, parameters);
        for (int step = 0; step < 10; step++)
        {
            SetGradients(c, parameters, step, DType.Float64);
            optimizer.Step();
            Assert.All(parameters, p => Assert.Equal(DType.Float64, p.DType));
            AssertParameters(c, parameters, step, 1e-4, 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StateDictRoundTripContinuesTheSameTrajectory(string name)
    {
        ReferenceCase c = Case(name);
        List<Tensor> uninterrupted = InitialParameters(c);
        Optimizer first = CreateOptimizer(c, uninterrupted);
        for (int step = 0; step < 5; step++)
        {
            SetGradients(c, uninterrupted, step);
            first.Step();
        }
        OptimizerStateDict saved = first.StateDict();
        string savedText = Describe(saved);

        // A fresh optimiser over copies of the parameters, loaded from the snapshot.
        List<Tensor> resumed = uninterrupted.Select(p => Tensor.From(p.ToArray<float>(), p.Shape.ToArray()).RequiresGrad_()).ToList();
        Optimizer second = CreateOptimizer(c, resumed);
        second.LoadStateDict(saved);

        for (int step = 5; step < 10; step++)
        {
            SetGradients(c, uninterrupted, step);
            first.Step();
            SetGradients(c, resumed, step);
            second.Step();
            for (int i = 0; i < resumed.Count; i++)
                Assert.Equal(uninterrupted[i].ToArray<float>(), resumed[i].ToArray<float>());
            AssertParameters(c, resumed, step, Rtol, Atol);
        }
        AssertFinalState(c, second, resumed);
        // The snapshot is a copy: stepping either optimiser afterwards leaves it unchanged.
        Assert.Equal(savedText, Describe(saved));
    }

    private static void AssertFinalState(ReferenceCase c, Optimizer optimizer, IReadOnlyList<Tensor> parameters)
    {
        JsonElement[] states = c.Json.GetProperty("state").EnumerateArray().ToArray();
        OptimizerStateDict dict = optimizer.StateDict();
        for (int i = 0; i < states.Length; i++)
        {
            IReadOnlyDictionary<string, object>? live = optimizer.GetState(parameters[i]);
            dict.State.TryGetValue(i, out Dictionary<string, object>? saved);
            foreach (JsonProperty entry in states[i].EnumerateObject())
            {
                string context = $"{c.Name}: state[{i}]['{entry.Name}']";
                if (entry.Value.ValueKind == JsonValueKind.Null)
                {
                    // PyTorch keeps momentum_buffer = None for SGD without momentum; Avalon keeps no entry.
                    Assert.True(live is null || !live.ContainsKey(entry.Name), context + " should be absent");
                    Assert.True(saved is null || !saved.ContainsKey(entry.Name), context + " should be absent from the state dict");
                    continue;
                }
                Assert.NotNull(live);
                Assert.NotNull(saved);
                if (entry.Value.ValueKind == JsonValueKind.Number)
                {
                    Assert.Equal(entry.Value.GetDouble(), System.Convert.ToDouble(live[entry.Name]));
                    Assert.Equal(entry.Value.GetDouble(), System.Convert.ToDouble(saved[entry.Name]));
                }
                else
                {
                    ReferenceTensor expected = ReferenceTensor.FromJson(entry.Value);
                    AssertClose(expected, (Tensor)live[entry.Name], Rtol, Atol, context);
                    AssertClose(expected, (Tensor)saved[entry.Name], Rtol, Atol, context + " (state dict)");
                }
            }
            if (live is not null)
                Assert.All(live.Keys, k => Assert.True(states[i].TryGetProperty(k, out _), $"{c.Name}: unexpected state key '{k}'"));
        }
    }

    private static string Describe(OptimizerStateDict dict) => string.Join("; ",
        dict.State.OrderBy(kv => kv.Key).Select(kv => kv.Key + ": " + string.Join(", ",
            kv.Value.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + "=" + (e.Value is Tensor t
                ? string.Join(",", t.ToDoubleArray().Select(x => x.ToString("R")))
                : System.Convert.ToString(e.Value, System.Globalization.CultureInfo.InvariantCulture))))));
}
