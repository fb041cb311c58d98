using System.CommandLine;
using Avalon.Onnx;

namespace Avalon.Cli;

/// <summary><c>avalon inspect FILE.onnx</c>: opset, inputs, outputs, operators, parameters and their shapes.</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "An .onnx model." };
        var command = new Command("inspect", "Describe a model file: opset, graph inputs and outputs, operators used, parameters with shapes and dtypes.") { file };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            try
            {
                var module = OnnxModule.Load(path);
                Console.WriteLine($"{path}: ONNX model, opset {module.Opset}, producer '{module.ProducerName}'");
                Console.WriteLine($"inputs:  {string.Join(", ", module.InputNames)}");
                Console.WriteLine($"outputs: {string.Join(", ", module.OutputNames)}");
                Console.WriteLine($"operators: {string.Join(", ", module.OperatorTypes)}");
                Console.WriteLine($"parameters: {module.ParameterCount:N0} elements in {module.Parameters().Count()} tensors");
                foreach (var (name, t) in module.NamedParameters()) Console.WriteLine($"  {name}  {t.DType.Name()}{t.Shape}");
                foreach (var (name, t) in module.NamedBuffers()) Console.WriteLine($"  {name}  {t.DType.Name()}{t.Shape}  (buffer)");
                return 0;
            }
            catch (UnsupportedOnnxOperatorException e)
            {
                Console.Error.WriteLine($"avalon inspect: {e.Message}");
                return 1;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException)
            {
                Console.Error.WriteLine($"avalon inspect: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
