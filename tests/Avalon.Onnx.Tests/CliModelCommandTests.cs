namespace Avalon.Onnx.Tests;

/// <summary><c>avalon onnx run</c> and <c>avalon inspect</c> on an exported model (in the Console collection: the tests redirect the console).</summary>
[Collection("Console")]
public class CliModelCommandTests
{
    private static readonly string Model = Path.Combine(AppContext.BaseDirectory, "Data", "RealModels", "gru_tagger");

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var (o, e) = (Console.Out, Console.Error);
        var (outText, errText) = (new StringWriter(), new StringWriter());
        try
        {
            Console.SetOut(outText);
            Console.SetError(errText);
            int code = Avalon.Cli.Program.Main(args);
            return (code, outText.ToString(), errText.ToString());
        }
        finally
        {
            Console.SetOut(o);
            Console.SetError(e);
        }
    }

    [Fact]
    public void OnnxRunWritesOutputsThatMatchPytorch()
    {
        var dir = Path.Combine(Path.GetTempPath(), "avalon-onnx-run-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (code, output, _) = Run("onnx", "run", Path.Combine(Model, "model.onnx"),
                "--input", "input_0=" + Path.Combine(Model, "test_data_set_1", "input_0.pb"), "--output", dir);
            Assert.Equal(0, code);
            Assert.Contains("output_0: float32[3, 5, 4]", output);
            var actual = OnnxTensors.ReadTensorFile(Path.Combine(dir, "output_0.pb"));
            var expected = OnnxTensors.ReadTensorFile(Path.Combine(Model, "test_data_set_1", "output_0.pb"));
            Assert.Null(OnnxConformance.Compare(actual, expected));
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void OnnxRunReportsAMissingInputFile()
    {
        var (code, _, err) = Run("onnx", "run", Path.Combine(Model, "model.onnx"), "--input", "input_0=/nonexistent/input.pb");
        Assert.Equal(1, code);
        Assert.Contains("/nonexistent/input.pb", err);
    }

    [Fact]
    public void InspectDescribesTheGraphAndTheParameters()
    {
        var (code, output, _) = Run("inspect", Path.Combine(Model, "model.onnx"));
        Assert.Equal(0, code);
        Assert.Contains("opset 17", output);
        Assert.Contains("inputs:  input_0", output);
        Assert.Contains("GRU", output);
        Assert.Contains("out.bias  float32[4]", output);
        var module = OnnxModule.Load(Path.Combine(Model, "model.onnx"));
        Assert.Contains($"parameters: {module.ParameterCount:N0} elements", output);
    }
}
