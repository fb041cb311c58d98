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
}
