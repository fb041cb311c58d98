using Avalon.Onnx.Export;
using Avalon.Samples.FashionMnist;
using Avalon.Samples.Vae;
using Avalon.Tests.Nn.ModuleRegistry;
using Google.Protobuf;
using Onnx;
using Xunit.Abstractions;

namespace Avalon.Onnx.Tests.Export;

/// <summary>
/// ONNX's own checker (<c>onnx.checker.check_model(full_check=True)</c>, through
/// <c>tests/reference/onnx/check_exports.py</c>) accepts every model Avalon's exporter writes: every
/// sample of the module registry and the samples' models.
/// </summary>
public sealed class OnnxCheckerTests(ITestOutputHelper log) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("avalon-onnx-check-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Writes every exportable model to <paramref name="folder"/>; returns the file names.</summary>
    private static List<string> ExportAll(string folder)
    {
        var names = new List<string>();
        void Write(string name, byte[] bytes)
        {
            string file = string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_')) + ".onnx";
            File.WriteAllBytes(Path.Combine(folder, file), bytes);
            names.Add(file);
        }
        foreach (var (name, entry) in ModuleRegistry.Entries)
        {
            for (int s = 0; s < entry.Samples.Count; s++)
            {
                var (module, forward, inputs) = RegistryExportTests.Build(name, s);
                Write($"{name}-{s}", OnnxExport.ToBytes(module, forward, inputs));
            }
        }
        var images = Tensor.Rand([2, 1, 28, 28], new Generator(1));
        var net = new Net();
        net.Eval();
        Write("sample-fashion-mnist-net", OnnxExport.ToBytes(net, x => [net.Forward(x[0])], [images]));
        Write("sample-fashion-mnist-net-dynamic", OnnxExport.ToBytes(net, x => [net.Forward(x[0])], [images], new OnnxExportOptions { DynamicBatch = true }));
        var vae = new VariationalAutoencoder();
        vae.Eval();
        Write("sample-vae", OnnxExport.ToBytes(vae, x =>
        {
            var (mu, logVar) = vae.Encode(x[0].Reshape(-1, 784));
            return [vae.Decode(mu), mu, logVar];
        }, [images], new OnnxExportOptions { DynamicBatch = true }));
        return names;
    }

    [PythonOnnxFact]
    public void EveryExportedModelPassesOnnxsFullCheck()
    {
        var names = ExportAll(_folder);
        Assert.True(names.Count >= ModuleRegistry.Entries.Count, $"{names.Count} models for {ModuleRegistry.Entries.Count} registry entries");
        var (code, output) = PythonOnnxChecker.Check(_folder);
        log.WriteLine(output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]);
        Assert.True(code == 0, output);
        foreach (var name in names) Assert.Contains($"ok {Path.Combine(_folder, name)}", output);
        Assert.Contains($"{names.Count} of {names.Count} models pass", output);
    }

    [PythonOnnxFact]
    public void TheCheckerRefusesAModelWhoseNodeReadsAnUndefinedTensor()
    {
        // The control: the same checker, given a broken export, fails and names it.
        var model = ModelProto.Parser.ParseFrom(OnnxExport.ToBytes(x => [x[0].Relu()], [Tensor.Ones([2, 3])]));
        model.Graph.Node[0].Input[0] = "never_defined";
        File.WriteAllBytes(Path.Combine(_folder, "broken.onnx"), model.ToByteArray());
        File.WriteAllBytes(Path.Combine(_folder, "fine.onnx"), OnnxExport.ToBytes(x => [x[0].Relu()], [Tensor.Ones([2, 3])]));
        var (code, output) = PythonOnnxChecker.Check(_folder);
        Assert.True(code == 1, output);
        Assert.Contains($"FAIL {Path.Combine(_folder, "broken.onnx")}", output);
        Assert.Contains("never_defined", output);
        Assert.Contains($"ok {Path.Combine(_folder, "fine.onnx")}", output);
    }
}
