using Avalon.Autodiff;
using Avalon.Nn;
using static Avalon.Tests.Nn.ModuleRegistry.RegistryTestUtil;

namespace Avalon.Tests.Nn.ModuleRegistry;

/// <summary>
/// Gradients of sum(output * fixed random weights), for every registered module in training and in evaluation mode: the
/// traced gradient (<see cref="Grad.Of(IParameterSource, Func{Tensor})"/>) against eager
/// <see cref="Tensor.Backward"/>, and both against float64 central differences on a few elements.
/// </summary>
public sealed class RegistryGradientTests
{
    private const double Step = 1e-6;

    public static TheoryData<string> Entries() => ModuleRegistry.Names();

    [Theory]
    [MemberData(nameof(Entries))]
    public void GradOfEqualsEagerBackward(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.Gradients)) return;
        foreach (var (training, s) in ModesAndSamples(entry))
        {
            var sample = entry.Samples[s];
            var model = entry.Create(new Generator(ModelSeed)).Train(training);
            var weights = OutputWeights(sample, DType.Float32);
            var inputs = Inputs(sample, s, DType.Float32);
            string what = $"{name} sample {s} ({(training ? "train" : "eval")})";

            var traced = Grad.Of(model, () => WeightedSum(entry, model, inputs, weights));
            var eagerInputs = WithRequiresGrad(sample, Inputs(sample, s, DType.Float32));
            model.ZeroGrad();
            var loss = WeightedSum(entry, model, eagerInputs, weights);
            AssertClose(traced.Value, loss, what + " loss", 1e-6, 1e-6);
            loss.Backward();

            bool anyNonZero = false;
            var named = model.NamedParameters().ToList();
            Assert.Equal(named.Select(p => p.Key), traced.Names);
            for (int i = 0; i < named.Count; i++)
            {
                var (key, p) = named[i];
                Assert.True(p.Grad is not null, $"{what}: eager Backward left no gradient on {key}");
                AssertClose(traced.Gradients[i], p.Grad!, $"{what} d/d{key}", 1e-5, 1e-6);
                anyNonZero |= p.Grad!.ToDoubleArray().Any(v => v != 0);
            }

            var diff = DifferentiableInputs(sample);
            if (diff.Length > 0)
            {
                var tracedInputs = Grad.Of(xs => WeightedSum(entry, model, Substitute(inputs, diff, xs), weights), diff.Select(i => inputs[i]).ToArray());
                for (int j = 0; j < diff.Length; j++)
                {
                    var g = eagerInputs[diff[j]].Grad;
                    Assert.True(g is not null, $"{what}: eager Backward left no gradient on input {diff[j]}");
                    AssertClose(tracedInputs.Gradients[j], g!, $"{what} d/dinput{diff[j]}", 1e-5, 1e-6);
                    anyNonZero |= g!.ToDoubleArray().Any(v => v != 0);
                }
            }
            if (sample.OutputShape.All(d => d > 0))
                Assert.True(anyNonZero, $"{what}: every gradient is zero, so the comparison shows nothing");
        }
    }

    [Theory]
    [MemberData(nameof(Entries))]
    public void GradientsMatchFiniteDifferencesInFloat64(string name)
    {
        var entry = Entry(name);
        if (!Applies(entry, ModuleCheck.FiniteDifferences)) return;
        foreach (var (training, s) in ModesAndSamples(entry))
        {
            var sample = entry.Samples[s];
            var model = entry.Create(new Generator(ModelSeed)).To(DType.Float64).Train(training);
            var weights = OutputWeights(sample, DType.Float64);
            var inputs = Inputs(sample, s, DType.Float64);
            string what = $"{name} sample {s} ({(training ? "train" : "eval")})";

            var analytic = Grad.Of(model, () => WeightedSum(entry, model, inputs, weights));
            foreach (var (key, p) in model.NamedParameters())
            {
                foreach (int k in Probes(p.Numel))
                {
                    double numeric = CentralDifference(p, k, shifted =>
                        model.FunctionalCall(new Dictionary<string, Tensor> { [key] = shifted }, () => WeightedSum(entry, model, inputs, weights)));
                    AssertDerivative(numeric, analytic[key].ToDoubleArray()[k], $"{what} d/d{key}[{k}]");
                }
            }

            var diff = DifferentiableInputs(sample);
            if (diff.Length == 0) continue;
            var analyticInputs = Grad.Of(xs => WeightedSum(entry, model, Substitute(inputs, diff, xs), weights), diff.Select(i => inputs[i]).ToArray());
            for (int j = 0; j < diff.Length; j++)
            {
                int position = diff[j];
                foreach (int k in Probes(inputs[position].Numel))
                {
                    double numeric = CentralDifference(inputs[position], k, shifted =>
                        WeightedSum(entry, model, Substitute(inputs, [position], [shifted]), weights));
                    AssertDerivative(numeric, analyticInputs.Gradients[j].ToDoubleArray()[k], $"{what} d/dinput{position}[{k}]");
                }
            }
        }
    }

    /// <summary>Every sample, in training and then in evaluation mode (BatchNorm differentiates through batch or running statistics).</summary>
    private static IEnumerable<(bool Training, int Sample)> ModesAndSamples(ModuleEntry entry) =>
        from training in (bool[])[true, false]
        from s in Enumerable.Range(0, entry.Samples.Count)
        select (training, s);

    /// <summary>The first, a middle and the last element.</summary>
    private static IEnumerable<int> Probes(int numel) => numel == 0 ? [] : new[] { 0, numel / 2, numel - 1 }.Distinct();

    private static double CentralDifference(Tensor x, int k, Func<Tensor, Tensor> f)
    {
        using var noGrad = new NoGrad();
        var delta = new double[x.Numel];
        delta[k] = Step;
        var d = Tensor.From(delta, x.Shape.ToArray());
        double plus = f(x.Detach() + d).Item<double>();
        double minus = f(x.Detach() - d).Item<double>();
        return (plus - minus) / (2 * Step);
    }

    private static void AssertDerivative(double numeric, double analytic, string what)
    {
        double tol = 1e-5 + 1e-4 * Math.Abs(numeric);
        Assert.True(Math.Abs(numeric - analytic) <= tol, $"{what}: analytic {analytic:R}, central difference {numeric:R}");
    }

    /// <summary>The inputs with those at <paramref name="positions"/> replaced by <paramref name="replacements"/>.</summary>
    private static Tensor[] Substitute(Tensor[] inputs, int[] positions, Tensor[] replacements)
    {
        var result = (Tensor[])inputs.Clone();
        for (int j = 0; j < positions.Length; j++) result[positions[j]] = replacements[j];
        return result;
    }
}
