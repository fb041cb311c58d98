using Avalon.Optim;

namespace Avalon.Onnx.Tests;

/// <summary>
/// Small real networks exported by PyTorch's <c>torch.onnx.export</c> (opset 17, dynamic batch, random
/// weights; tests/reference/onnx/export_models.py): residual and depthwise-separable CNNs, an LSTM language
/// model, a bidirectional GRU, a transformer encoder and a VAE, compared with PyTorch's outputs at 1e-4.
/// </summary>
public class RealModelTests
{
    private static string Folder(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "RealModels", name);

    public static TheoryData<string> Models => new()
    {
        "resnet", "depthwise_separable", "lstm_language_model", "gru_tagger", "transformer_encoder", "vae",
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void MatchesPytorchAtOneInTenThousandForTwoBatchSizes(string name)
    {
        var module = OnnxModule.Load(Path.Combine(Folder(name), "model.onnx"));
        module.Eval();
        var sets = Directory.GetDirectories(Folder(name), "test_data_set_*").Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, sets.Length);
        var batches = new List<int>();
        foreach (var set in sets)
        {
            var inputs = Directory.GetFiles(set, "input_*.pb").Order(StringComparer.Ordinal).Select(OnnxTensors.ReadTensorFile).ToArray();
            var expected = Directory.GetFiles(set, "output_*.pb").Order(StringComparer.Ordinal).Select(OnnxTensors.ReadTensorFile).ToArray();
            var actual = module.Forward(inputs);
            Assert.Equal(expected.Length, actual.Length);
            batches.Add(actual[0].Shape[0]);
            for (int k = 0; k < expected.Length; k++)
            {
                Assert.Equal(expected[k].Shape.ToArray(), actual[k].Shape.ToArray());
                var e = expected[k].ToDoubleArray();
                var a = actual[k].ToDoubleArray();
                for (int i = 0; i < e.Length; i++)
                    Assert.True(Math.Abs(a[i] - e[i]) <= 1e-4 * (1 + Math.Abs(e[i])), $"{name} {Path.GetFileName(set)} output {k}[{i}]: {a[i]} vs PyTorch {e[i]}");
            }
        }
        Assert.Equal([2, 3], batches);
    }

    [Fact]
    public void AnImportedResnetFineTunesAndItsLossFalls()
    {
        var module = OnnxModule.Load(Path.Combine(Folder("resnet"), "model.onnx"));
        Assert.Contains(module.NamedParameters(), p => p.Key == "fc.weight");
        var x = OnnxTensors.ReadTensorFile(Path.Combine(Folder("resnet"), "test_data_set_1", "input_0.pb"));
        var target = Tensor.From(new float[] { 1, -1, 0.5f, 0, 2, -0.5f, 1, 1, -2, 0, 0.3f, 0.7f, -1, 1, 0 }, 3, 5);
        var optimizer = new Sgd(module.Parameters(), lr: 0.05);
        var losses = new List<double>();
        for (int step = 0; step < 15; step++)
        {
            optimizer.ZeroGrad();
            var loss = (module.Forward(x) - target).Square().Mean();
            loss.Backward();
            optimizer.Step();
            losses.Add(loss.Item());
        }
        Assert.True(losses[^1] < losses[0] * 0.7, "losses: " + string.Join(", ", losses));
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void CompiledMatchesEagerAndPytorchForTwoBatchSizes(string name)
    {
        var module = OnnxModule.Load(Path.Combine(Folder(name), "model.onnx"));
        module.Eval();
        var compiled = Avalon.Compiler.Compiler.Compile(x => module.Forward(x), new Avalon.Compiler.CompileOptions { CopyOutputs = true });
        foreach (var set in Directory.GetDirectories(Folder(name), "test_data_set_*").Order(StringComparer.Ordinal))
        {
            var inputs = Directory.GetFiles(set, "input_*.pb").Order(StringComparer.Ordinal).Select(OnnxTensors.ReadTensorFile).ToArray();
            var expected = Directory.GetFiles(set, "output_*.pb").Order(StringComparer.Ordinal).Select(OnnxTensors.ReadTensorFile).ToArray();
            Tensor[] eager;
            using (new Avalon.Autodiff.NoGrad()) eager = module.Forward(inputs);
            for (int run = 0; run < 2; run++)
            {
                Tensor[] actual;
                using (new Avalon.Autodiff.NoGrad()) actual = compiled.Invoke(inputs);
                Assert.Equal(expected.Length, actual.Length);
                for (int k = 0; k < expected.Length; k++)
                {
                    Assert.Equal(expected[k].Shape.ToArray(), actual[k].Shape.ToArray());
                    var e = expected[k].ToDoubleArray();
                    var g = eager[k].ToDoubleArray();
                    var a = actual[k].ToDoubleArray();
                    for (int i = 0; i < e.Length; i++)
                    {
                        Assert.True(Math.Abs(a[i] - e[i]) <= 1e-4 * (1 + Math.Abs(e[i])), $"{name} {Path.GetFileName(set)} run {run} output {k}[{i}]: compiled {a[i]} vs PyTorch {e[i]}");
                        Assert.True(Math.Abs(a[i] - g[i]) <= 1e-5 * (1 + Math.Abs(g[i])), $"{name} {Path.GetFileName(set)} run {run} output {k}[{i}]: compiled {a[i]} vs eager {g[i]}");
                    }
                }
            }
        }
        Assert.Equal(2, compiled.CacheSize);
    }

    [Fact]
    public void AnImportedResnetFineTunesWithTheCompiledStepAsEagerDoes()
    {
        var eager = OnnxModule.Load(Path.Combine(Folder("resnet"), "model.onnx"));
        var compiled = OnnxModule.Load(Path.Combine(Folder("resnet"), "model.onnx"));
        var x = OnnxTensors.ReadTensorFile(Path.Combine(Folder("resnet"), "test_data_set_1", "input_0.pb"));
        var target = Tensor.From(new float[] { 1, -1, 0.5f, 0, 2, -0.5f, 1, 1, -2, 0, 0.3f, 0.7f, -1, 1, 0 }, 3, 5);
        static Tensor Loss(Tensor output, Tensor target) => (output - target).Square().Mean();
        var eagerOptimizer = new Adam(eager.Parameters(), lr: 1e-3);
        var step = Avalon.Training.TrainStep.Compile(compiled, Loss, new Adam(compiled.Parameters(), lr: 1e-3));
        var losses = new List<double>();
        for (int i = 0; i < 10; i++)
        {
            eagerOptimizer.ZeroGrad();
            var expected = Loss(eager.Forward(x), target);
            expected.Backward();
            eagerOptimizer.Step();
            double actual = step.Run(x, target).Loss.Item();
            Assert.True(Math.Abs(actual - expected.Item()) <= 1e-4 * (1 + Math.Abs(expected.Item())), $"step {i}: compiled loss {actual} vs eager {expected.Item()}");
            losses.Add(actual);
        }
        Assert.Equal(1, step.TraceCount);
        Assert.True(losses[^1] < losses[0] * 0.9, "losses: " + string.Join(", ", losses));
        var e = eager.StateDict();
        foreach (var (key, value) in compiled.StateDict())
        {
            var a = value.ToDoubleArray();
            var b = e[key].ToDoubleArray();
            for (int i = 0; i < a.Length; i++)
                Assert.True(Math.Abs(a[i] - b[i]) <= 1e-4 * (1 + Math.Abs(b[i])), $"{key}[{i}]: compiled {a[i]} vs eager {b[i]}");
        }
    }
}
