using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Avalon.Onnx.Tests;

/// <summary>
/// ONNX Runtime as a second, independent oracle: the exported real models run in both on fresh inputs of
/// a batch size (4) that neither PyTorch data set used, and every output agrees within 1e-4.
/// </summary>
public class OnnxRuntimeOracleTests
{
    [Theory]
    [MemberData(nameof(RealModelTests.Models), MemberType = typeof(RealModelTests))]
    public void AvalonAgreesWithOnnxRuntimeOnANewBatchSize(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "Data", "RealModels", name);
        var path = Path.Combine(folder, "model.onnx");
        var module = OnnxModule.Load(path);
        module.Eval();
        using var session = new InferenceSession(path);
        var rng = new Random(7);
        var avalonInputs = new List<Tensor>();
        var ortInputs = new List<NamedOnnxValue>();
        foreach (var (inputName, meta) in session.InputMetadata)
        {
            var dims = meta.Dimensions.Select(d => d < 0 ? 4 : d).ToArray();
            int count = dims.Aggregate(1, (a, b) => a * b);
            if (meta.ElementType == typeof(long))
            {
                var values = Enumerable.Range(0, count).Select(_ => (long)rng.Next(0, 20)).ToArray();
                avalonInputs.Add(Tensor.From(values, dims));
                ortInputs.Add(NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<long>(values, dims)));
            }
            else
            {
                var values = Enumerable.Range(0, count).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
                avalonInputs.Add(Tensor.From(values, dims));
                ortInputs.Add(NamedOnnxValue.CreateFromTensor(inputName, new DenseTensor<float>(values, dims)));
            }
        }
        var avalon = module.Forward(avalonInputs.ToArray());
        using var results = session.Run(ortInputs);
        var ort = results.ToList();
        Assert.Equal(ort.Count, avalon.Length);
        for (int k = 0; k < ort.Count; k++)
        {
            var expected = ort[k].AsTensor<float>();
            Assert.Equal(expected.Dimensions.ToArray(), avalon[k].Shape.ToArray());
            Assert.Equal(4, avalon[k].Shape[0]);
            var e = expected.ToArray();
            var a = avalon[k].ToArray<float>();
            for (int i = 0; i < e.Length; i++)
                Assert.True(Math.Abs(a[i] - e[i]) <= 1e-4 * (1 + Math.Abs(e[i])), $"{name} output {k}[{i}]: Avalon {a[i]}, ONNX Runtime {e[i]}");
        }
    }
}
