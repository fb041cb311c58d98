using System.Text.Json;
using Google.Protobuf;

namespace Avalon.Onnx.Tests;

/// <summary>The runner on case folders written by the test (no external data): a matching case passes, a wrong expectation fails, an unknown operator is skipped.</summary>
[Collection("Console")]
public class ConformanceRunnerTests
{
    private static string WriteCase(string root, string name, OnnxModelBuilder model, Tensor input, Tensor expected)
    {
        var dir = Path.Combine(root, name);
        var set = Path.Combine(dir, "test_data_set_0");
        Directory.CreateDirectory(set);
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), model.Bytes());
        File.WriteAllBytes(Path.Combine(set, "input_0.pb"), OnnxTensors.FromTensor(input, "x").ToByteArray());
        File.WriteAllBytes(Path.Combine(set, "output_0.pb"), OnnxTensors.FromTensor(expected, "y").ToByteArray());
        return dir;
    }

    internal static string WriteSuite()
    {
        var root = Path.Combine(Path.GetTempPath(), "avalon-onnx-suite-" + Guid.NewGuid().ToString("N"), "node");
        var x = Tensor.From(new float[] { -1, 2, -3, 4 }, 2, 2);
        WriteCase(root, "test_abs_ok", new OnnxModelBuilder().Input("x", 1, 2, 2).Output("y").Node("Abs", ["x"], ["y"]), x, Tensor.From(new float[] { 1, 2, 3, 4 }, 2, 2));
        WriteCase(root, "test_abs_wrong", new OnnxModelBuilder().Input("x", 1, 2, 2).Output("y").Node("Abs", ["x"], ["y"]), x, Tensor.From(new float[] { 1, 2, 3, 4.01f }, 2, 2));
        WriteCase(root, "test_unknown", new OnnxModelBuilder().Input("x", 1, 2, 2).Output("y").Node("NoSuchOp", ["x"], ["y"]), x, x);
        return root;
    }

    [Fact]
    public void PassesMatchingCasesFailsWrongOnesSkipsUnsupportedOnes()
    {
        var root = WriteSuite();
        try
        {
            var results = OnnxConformance.Run([root]).ToDictionary(r => r.Case);
            Assert.Equal(OnnxCaseStatus.Passed, results["test_abs_ok"].Status);
            Assert.Equal(OnnxCaseStatus.Failed, results["test_abs_wrong"].Status);
            Assert.Contains("1 of 4 elements differ", results["test_abs_wrong"].Detail);
            Assert.Equal(OnnxCaseStatus.Skipped, results["test_unknown"].Status);
            Assert.Contains("'NoSuchOp'", results["test_unknown"].Detail);
            Assert.Equal("node", results["test_abs_ok"].Suite);
            Assert.Equal("Abs", results["test_abs_ok"].Family);
            Assert.Equal("1 passed, 1 failed, 1 skipped", OnnxConformance.Summary(results.Values));
        }
        finally { Directory.Delete(Path.GetDirectoryName(root)!, true); }
    }

    [Theory]
    [InlineData(1.0, 1.0005, true)]
    [InlineData(1.0, 1.002, false)]
    [InlineData(0.0, 5e-8, true)]
    [InlineData(0.0, 5e-7, false)]
    [InlineData(double.NaN, double.NaN, true)]
    [InlineData(double.PositiveInfinity, double.PositiveInfinity, true)]
    [InlineData(double.PositiveInfinity, double.NegativeInfinity, false)]
    public void ComparesWithOnnxsTolerance(double expected, double actual, bool matches)
    {
        var result = OnnxConformance.Compare(Tensor.From(new[] { actual }, 1), Tensor.From(new[] { expected }, 1));
        Assert.Equal(matches, result is null);
    }

    [Fact]
    public void ShapeMismatchIsReported()
    {
        var result = OnnxConformance.Compare(Tensor.Zeros(2, 3), Tensor.Zeros(3, 2));
        Assert.Contains("shape [2, 3], expected [3, 2]", result);
    }

    [Fact]
    public void CliPrintsOneLinePerCaseAndTheSummary()
    {
        var root = WriteSuite();
        var previous = Console.Out;
        try
        {
            var text = new StringWriter();
            Console.SetOut(text);
            int code = Avalon.Cli.Program.Main(["onnx", "test", root]);
            Console.SetOut(previous);
            var lines = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.Equal(1, code);
            Assert.Equal(4, lines.Length);
            Assert.StartsWith("passed  node/test_abs_ok", lines[0]);
            Assert.StartsWith("failed  node/test_abs_wrong", lines[1]);
            Assert.StartsWith("skipped node/test_unknown", lines[2]);
            Assert.Equal("1 passed, 1 failed, 1 skipped", lines[3]);

            text = new StringWriter();
            Console.SetOut(text);
            code = Avalon.Cli.Program.Main(["onnx", "test", "--json", root]);
            Console.SetOut(previous);
            var objects = text.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
            Assert.Equal(3, objects.Count);
            Assert.Equal("test_abs_ok", objects[0].GetProperty("case").GetString());
            Assert.Equal("passed", objects[0].GetProperty("status").GetString());
            Assert.Equal("failed", objects[1].GetProperty("status").GetString());
            Assert.Equal("skipped", objects[2].GetProperty("status").GetString());
            Assert.Contains("NoSuchOp", objects[2].GetProperty("detail").GetString());
        }
        finally
        {
            Console.SetOut(previous);
            Directory.Delete(Path.GetDirectoryName(root)!, true);
        }
    }

    [Fact]
    public void CliReportsAMissingFolder()
    {
        var previous = Console.Error;
        try
        {
            var err = new StringWriter();
            Console.SetError(err);
            int code = Avalon.Cli.Program.Main(["onnx", "test", "/nonexistent-onnx-folder"]);
            Assert.Equal(2, code);
            Assert.Contains("/nonexistent-onnx-folder", err.ToString());
        }
        finally { Console.SetError(previous); }
    }
}
