using System.Runtime.InteropServices;
using Avalon.Interop.Safetensors;
using Avalon.Interop.Torch;
using Avalon.Nn;
using Avalon.Onnx;
using Avalon.Onnx.Export;
using Avalon.Optim;
using Avalon.Training.Checkpoints;

namespace Avalon.Cli.Tests;

/// <summary><c>avalon convert</c> between PyTorch files, safetensors (single and sharded), Avalon checkpoints and ONNX initialisers, and <c>avalon inspect</c> on them.</summary>
[Collection("Console")]
public sealed class ConvertCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "avalon-convert-" + Guid.NewGuid().ToString("N"));

    public ConvertCommandTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static string Reference(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "Torch", name);

    private string Temp(string name) => Path.Combine(_folder, name);

    private static byte[] BytesOf(Tensor t)
    {
        var flat = t.Contiguous();
        return t.DType switch
        {
            DType.Float32 => MemoryMarshal.AsBytes(flat.ToArray<float>().AsSpan()).ToArray(),
            DType.Float64 => MemoryMarshal.AsBytes(flat.ToArray<double>().AsSpan()).ToArray(),
            DType.Int32 => MemoryMarshal.AsBytes(flat.ToArray<int>().AsSpan()).ToArray(),
            DType.Int64 => MemoryMarshal.AsBytes(flat.ToArray<long>().AsSpan()).ToArray(),
            DType.Bool => MemoryMarshal.AsBytes(flat.ToArray<bool>().AsSpan()).ToArray(),
            _ => throw new ArgumentException(t.DType.ToString()),
        };
    }

    private static void AssertSameTensors(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual, string stage)
    {
        Assert.True(expected.Keys.Order(StringComparer.Ordinal).SequenceEqual(actual.Keys.Order(StringComparer.Ordinal)),
            $"{stage}: keys [{string.Join(", ", actual.Keys)}] for [{string.Join(", ", expected.Keys)}]");
        foreach (var (key, tensor) in expected)
        {
            var other = actual[key];
            Assert.True(tensor.DType == other.DType, $"{stage}: {key}: dtype {other.DType} for {tensor.DType}");
            Assert.True(tensor.Shape.SequenceEqual(other.Shape), $"{stage}: {key}: shape {other.Shape} for {tensor.Shape}");
            Assert.True(BytesOf(tensor).SequenceEqual(BytesOf(other)), $"{stage}: {key}: the bits differ");
        }
    }

    private static (int Code, string Out, string Err) Convert(params string[] args) => CliRunner.Run(["convert", .. args]);

    [Theory]
    [InlineData("dtypes.pt")]
    [InlineData("views.pt")]
    [InlineData("mlp.pt")]
    [InlineData("nested.pt")]
    [InlineData("legacy.pt")]
    public void APyTorchFileGoesThroughEveryFormatAndBackBitForBit(string name)
    {
        var original = TorchFile.Load(Reference(name));
        string previous = Reference(name);
        foreach (var (next, extra) in new (string, string[])[]
        {
            ("a.safetensors", []),
            ("b.pt", []),
            ("c.safetensors.index.json", ["--max-shard-size", "64"]),
            ("d.safetensors", ["--to", "checkpoint"]),
            ("e.pth", []),
        })
        {
            var (code, output, err) = Convert([previous, Temp(next), .. extra]);
            Assert.True(code == 0, $"{previous} -> {next}: exit {code}: {err}");
            Assert.Contains($"{original.Count} tensors", output);
            var read = next switch
            {
                "a.safetensors" => SafetensorsFile.Read(Temp(next)).Tensors,
                "c.safetensors.index.json" => SafetensorsFile.ReadSharded(Temp(next)).Tensors,
                "d.safetensors" => Checkpoint.Load(Temp(next)).ModelState,
                _ => TorchFile.Load(Temp(next)),
            };
            AssertSameTensors(original, read, $"{name} -> {next}");
            previous = Temp(next);
        }
        Assert.Contains("(checkpoint) -> ", Convert(Temp("d.safetensors"), Temp("f.pt")).Out);
        Assert.True(Directory.GetFiles(_folder, "c-*-of-*.safetensors").Length >= 2 || original.Values.Sum(t => t.Numel * t.DType.SizeOf()) <= 64);
    }

    [Fact]
    public void ACheckpointConvertsItsModelStateAndSaysTheOptimiserStateIsLeftOut()
    {
        var model = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
        var optimizer = new Adam(model.Parameters(), lr: 1e-3);
        var loss = model.Forward(Tensor.Randn([5, 3], new Generator(1))).Sum();
        loss.Backward();
        optimizer.Step();
        model.Save(Temp("run.safetensors"), optimizer, epoch: 4);
        var (code, output, err) = Convert(Temp("run.safetensors"), Temp("run.pt"));
        Assert.Equal(0, code);
        Assert.Contains("(checkpoint) -> ", output);
        Assert.Contains("optimizer state", err);
        Assert.Contains("were not", err);
        AssertSameTensors(model.StateDict(), TorchFile.Load(Temp("run.pt")), "checkpoint -> pt");

        (code, output, _) = CliRunner.Run("inspect", Temp("run.safetensors"));
        Assert.Equal(0, code);
        Assert.Contains("Avalon checkpoint", output);
        Assert.Contains("epoch 4", output);
        Assert.Contains("0.weight  float32[4, 3]", output);
    }

    [Fact]
    public void AnOnnxModelsInitialisersBecomeASafetensorsFileAndACheckpoint()
    {
        var model = new Linear(3, 2);
        OnnxExport.Save(model, Temp("linear.onnx"), Tensor.Randn([1, 3], new Generator(2)));
        var expected = OnnxModule.Load(Temp("linear.onnx")).StateDict();
        Assert.Equal(2, expected.Count);
        var (code, _, err) = Convert(Temp("linear.onnx"), Temp("linear.safetensors"));
        Assert.True(code == 0, err);
        var converted = SafetensorsFile.Read(Temp("linear.safetensors")).Tensors;
        AssertSameTensors(expected, converted, "onnx -> safetensors");
        // The initialisers are the model's own weights, bit for bit, whatever the graph named them.
        var original = model.StateDict().Values.Select(BytesOf).Select(System.Convert.ToHexString).Order().ToArray();
        Assert.Equal(original, converted.Values.Select(BytesOf).Select(System.Convert.ToHexString).Order().ToArray());
        (code, _, err) = Convert(Temp("linear.onnx"), Temp("linear-checkpoint.safetensors"), "--to", "checkpoint");
        Assert.True(code == 0, err);
        AssertSameTensors(expected, Checkpoint.Load(Temp("linear-checkpoint.safetensors")).ModelState, "onnx -> checkpoint");
    }

    [Fact]
    public void UsageErrorsExitWithTwoAndNameTheProblem()
    {
        var cases = new (string[] Args, string Expected)[]
        {
            ([Reference("mlp.pt"), Temp("out.txt")], "cannot tell the format to write"),
            ([Reference("mlp.pt"), Temp("out.onnx")], "cannot write ONNX"),
            ([Reference("mlp.pt"), Temp("out.bin"), "--to", "tarball"], "unknown format 'tarball'"),
            ([Reference("mlp.pt"), Reference("mlp.pt")], "the same file"),
            ([Reference("mlp.pt"), Temp("out.safetensors.index.json"), "--max-shard-size", "0"], "not a positive size"),
            ([Reference("mlp.json"), Temp("out.pt")], "cannot tell the format of"),
            ([Reference("mlp.pt"), Temp("out.safetensors"), "--to", "sharded"], "must end with .safetensors.index.json"),
        };
        foreach (var (args, expected) in cases)
        {
            var (code, _, err) = Convert(args);
            Assert.True(code == 2, $"{string.Join(" ", args)}: exit {code}: {err}");
            Assert.Contains(expected, err);
        }
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void FilesThatCannotBeReadOrWrittenExitWithOneAndSayWhy()
    {
        var (code, _, err) = Convert(Temp("missing.pt"), Temp("out.safetensors"));
        Assert.Equal(1, code);
        Assert.Contains("missing.pt", err);

        File.WriteAllBytes(Temp("damaged.pt"), File.ReadAllBytes(Reference("mlp.pt"))[..700]);
        (code, _, err) = Convert(Temp("damaged.pt"), Temp("out.safetensors"));
        Assert.Equal(1, code);
        Assert.Contains("torch:", err);
        Assert.Contains("damaged.pt", err);

        (code, _, err) = Convert(Reference("mlp.pt"), Temp("out.safetensors"), "--from", "safetensors");
        Assert.Equal(1, code);
        Assert.Contains("safetensors", err);

        TorchFile.Save(Temp("diverged.pt"), new Dictionary<string, Tensor> { ["w"] = Tensor.From(new[] { 1f, float.NaN }) });
        (code, _, err) = Convert(Temp("diverged.pt"), Temp("diverged.safetensors"), "--to", "checkpoint");
        Assert.Equal(1, code);
        Assert.Contains("non-finite", err);
        Assert.False(File.Exists(Temp("diverged.safetensors")));
        // A plain safetensors file takes the NaN as it is.
        Assert.Equal(0, Convert(Temp("diverged.pt"), Temp("diverged.safetensors")).Code);
    }

    [Fact]
    public void InspectListsAPyTorchFilesTensorsAndTheirCount()
    {
        var state = TorchFile.Load(Reference("mlp.pt"));
        var (code, output, err) = CliRunner.Run("inspect", Reference("mlp.pt"));
        Assert.True(code == 0, err);
        Assert.Contains("PyTorch file", output);
        Assert.Contains($"parameters: {state.Values.Sum(t => (long)t.Numel):N0} elements in {state.Count} tensors", output);
        foreach (var (key, t) in state) Assert.Contains($"  {key}  {t.DType.Name()}{t.Shape}", output);
        Assert.Contains("0.weight  float32[8, 4]", output);
        Assert.Contains("1.num_batches_tracked  int64[]", output);
    }

    [Fact]
    public void InspectDescribesAShardedCheckpointByItsIndex()
    {
        string index = Path.Combine(AppContext.BaseDirectory, "Data", "Torch", "sharded", SafetensorsFile.IndexFileName);
        var (code, output, err) = CliRunner.Run("inspect", index);
        Assert.True(code == 0, err);
        Assert.Contains("sharded safetensors checkpoint", output);
        Assert.Contains("2 shards, total_size 404 bytes", output);
        Assert.Contains("3.weight  float32[3, 8]", output);
        (code, _, err) = CliRunner.Run("inspect", Temp("none.safetensors.index.json"));
        Assert.Equal(1, code);
        Assert.Contains("does not exist", err);
    }

    [Fact]
    public void InspectReadsNoTensorDataAndNamesTheStoredType()
    {
        // A bool byte of 7 is invalid data: convert, which reads the tensors, refuses the file; inspect lists it.
        SafetensorsFile.Write(Temp("bad.safetensors"), new Dictionary<string, Tensor> { ["w"] = Tensor.From(new float[] { 1, 2 }, 1, 2), ["mask"] = Tensor.From(new bool[] { true, false }) });
        var bytes = File.ReadAllBytes(Temp("bad.safetensors"));
        bytes[^1] = 7;
        File.WriteAllBytes(Temp("bad.safetensors"), bytes);
        var (code, output, err) = CliRunner.Run("inspect", Temp("bad.safetensors"));
        Assert.True(code == 0, err);
        Assert.Contains("  w  float32[1, 2]", output);
        Assert.Contains("  mask  bool[2]", output);
        (code, _, err) = Convert(Temp("bad.safetensors"), Temp("bad.pt"));
        Assert.Equal(1, code);
        Assert.Contains("expected 0 or 1", err);

        (code, output, err) = CliRunner.Run("inspect", Reference("dtypes.pt"));
        Assert.True(code == 0, err);
        Assert.Contains("  f16  float32[", output);
        Assert.Contains("(stored as float16)", output);
        Assert.Contains("(stored as bfloat16)", output);
    }
}
