using Avalon.Autodiff;
using Avalon.Nn;
using Avalon.Onnx.Export;
using Avalon.Samples.FashionMnist;
using Avalon.Samples.Vae;
using Onnx;

namespace Avalon.Onnx.Tests.Export;

/// <summary>
/// The samples' models exported to files with a dynamic batch: they run in ONNX Runtime and load back
/// at other batch sizes with Avalon's outputs, keep their state-dict keys as initialiser names, and what
/// cannot be exported is refused with a message naming it.
/// </summary>
public class SampleExportTests
{
    private static Tensor Images(int batch, int seed) => Tensor.Rand([batch, 1, 28, 28], new Generator((ulong)seed));

    [Fact]
    public void FashionMnistNetExportsWithADynamicBatchAndRunsAtOtherSizes()
    {
        var net = new Net();
        string path = Path.Combine(Path.GetTempPath(), $"avalon-export-net-{Environment.ProcessId}.onnx");
        try
        {
            OnnxExport.Save(net, path, Images(2, 1), new OnnxExportOptions { DynamicBatch = true, InputNames = ["images"], OutputNames = ["log_probs"] });
            Assert.True(net.Training, "the export must restore the training mode");
            var bytes = File.ReadAllBytes(path);
            var model = ModelProto.Parser.ParseFrom(bytes);
            Assert.Equal(OnnxExport.Opset, model.OpsetImport.Single().Version);
            Assert.Equal("batch", model.Graph.Input.Single().Type.TensorType.Shape.Dim[0].DimParam);
            Assert.Equal("batch", model.Graph.Output.Single().Type.TensorType.Shape.Dim[0].DimParam);
            Assert.Equal(net.StateDict().Keys.Order(), model.Graph.Initializer.Select(i => i.Name).Order());

            net.Eval();
            var loaded = OnnxModule.Load(path);
            Assert.Equal(net.StateDict().Keys.Order(), loaded.StateDict().Keys.Order());
            foreach (int batch in new[] { 1, 2, 5 })
            {
                var x = Images(batch, 10 + batch);
                Tensor expected;
                using (new NoGrad()) expected = net.Forward(x);
                OrtRunner.AssertClose(expected, OrtRunner.Run(bytes, [x]).Single(), $"ONNX Runtime at batch {batch}");
                OrtRunner.AssertClose(expected, loaded.Forward(x), $"reloaded at batch {batch}");
            }
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void VaeEncoderAndDecoderExportWithADynamicBatch()
    {
        var vae = new VariationalAutoencoder();
        Func<Tensor[], Tensor[]> forward = x =>
        {
            var (mu, logVar) = vae.Encode(x[0].Reshape(-1, 784));
            return [vae.Decode(mu), mu, logVar];
        };
        var bytes = OnnxExport.ToBytes(vae, forward, [Images(3, 2)], new OnnxExportOptions { DynamicBatch = true });
        var x = Images(4, 3);
        Tensor[] expected;
        using (new NoGrad()) expected = forward([x]);
        var ort = OrtRunner.Run(bytes, [x]);
        var back = OnnxModule.Load(bytes).Forward([x]);
        for (int k = 0; k < 3; k++)
        {
            OrtRunner.AssertClose(expected[k], ort[k], $"ONNX Runtime output {k}");
            OrtRunner.AssertClose(expected[k], back[k], $"reloaded output {k}");
        }
    }

    [Fact]
    public void TheVaesSampledForwardIsRefusedNamingTheRandomPrimitive()
    {
        var vae = new VariationalAutoencoder();
        var e = Assert.Throws<NotSupportedException>(() =>
            OnnxExport.ToBytes(vae, x => { var (r, mu, lv) = vae.Forward(x[0], new Generator(1)); return [r, mu, lv]; }, [Images(2, 1)]));
        Assert.Contains("'randn'", e.Message);
        Assert.Contains("no ONNX mapping", e.Message);
    }

    [Fact]
    public void AFunctionWithCapturedTensorsNamesThemAsAsked()
    {
        var w = Tensor.Randn([3, 4], new Generator(5));
        var b = Tensor.Randn([4], new Generator(6));
        var bytes = OnnxExport.ToBytes(x => [x[0].MatMul(w).Add(b).Relu()], [Tensor.Randn([2, 3], new Generator(7))],
            new OnnxExportOptions { NamedTensors = new Dictionary<string, Tensor> { ["proj.weight"] = w } });
        var model = ModelProto.Parser.ParseFrom(bytes);
        Assert.Equal(["proj.weight"], model.Graph.Initializer.Select(i => i.Name));
        var x = Tensor.Randn([2, 3], new Generator(8));
        OrtRunner.AssertClose(x.MatMul(w).Add(b).Relu(), OrtRunner.Run(bytes, [x]).Single(), "function");
    }

    [Fact]
    public void ADataDependentTraceIsRefused()
    {
        var e = Assert.Throws<InvalidOperationException>(() =>
            OnnxExport.ToBytes(x => [x[0].Sum().Item() > 0 ? x[0] * 2 : x[0]], [Tensor.Ones([3])]));
        Assert.Contains("host", e.Message);
    }

    [Fact]
    public void ABatchDependentAttributeIsRefusedWithADynamicBatch()
    {
        // Permuting the batch into a later position is fine, but a convolution's padding that follows the batch cannot be an ONNX attribute.
        var e = Assert.Throws<NotSupportedException>(() => OnnxExport.ToBytes(
            x => [Functional.Conv2d(x[0], Tensor.Ones([1, 1, 1, 1]), padding: [x[0].Shape[0], x[0].Shape[0]])],
            [Tensor.Ones([2, 1, 3, 3])], new OnnxExportOptions { DynamicBatch = true }));
        Assert.Contains("batch", e.Message);
        Assert.Contains("padding", e.Message);
    }
}
