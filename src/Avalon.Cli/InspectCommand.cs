using System.CommandLine;
using Avalon.Onnx;

namespace Avalon.Cli;

/// <summary>
/// <c>avalon inspect FILE</c>: for an ONNX model its opset, inputs, outputs, operators, parameters and their
/// shapes; for a PyTorch file, a safetensors file, a sharded checkpoint's index or an Avalon checkpoint its
/// tensors with dtypes and shapes and their element count. Tensor files are opened mapped and only their
/// headers read (no tensor data); an Avalon checkpoint is read and verified.
/// </summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "An .onnx model, a .pt/.pth/.bin PyTorch file, a .safetensors file (an Avalon checkpoint too) or a *.safetensors.index.json index." };
        var from = new Option<string?>("--from") { Description = "The file's format when its name does not tell: pt, safetensors, sharded, checkpoint or onnx." };
        var command = new Command("inspect", "Describe a model or tensor file: for ONNX the opset, graph inputs and outputs and operators; for every format the tensors with dtypes and shapes and the parameter count.") { file, from };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            try
            {
                if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' does not exist.", path);
                string? given = parse.GetValue(from);
                var format = given is null ? TensorFiles.OfInput(path) : TensorFiles.Parse(given);
                if (format == TensorFileFormat.Onnx) InspectOnnx(path);
                else InspectTensors(path, format);
                return 0;
            }
            catch (UsageException e)
            {
                Console.Error.WriteLine($"avalon inspect: {e.Message}");
                return 2;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"avalon inspect: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static void InspectOnnx(string path)
    {
        var module = OnnxModule.Load(path);
        Console.WriteLine($"{path}: ONNX model, opset {module.Opset}, producer '{module.ProducerName}'");
        Console.WriteLine($"inputs:  {string.Join(", ", module.InputNames)}");
        Console.WriteLine($"outputs: {string.Join(", ", module.OutputNames)}");
        Console.WriteLine($"operators: {string.Join(", ", module.OperatorTypes)}");
        Console.WriteLine($"parameters: {module.ParameterCount:N0} elements in {module.Parameters().Count()} tensors");
        foreach (var (name, t) in module.NamedParameters()) Console.WriteLine($"  {name}  {t.DType.Name()}{t.Shape}");
        foreach (var (name, t) in module.NamedBuffers()) Console.WriteLine($"  {name}  {t.DType.Name()}{t.Shape}  (buffer)");
    }

    private static void InspectTensors(string path, TensorFileFormat format)
    {
        var contents = TensorFiles.Describe(path, format);
        string kind = format switch
        {
            TensorFileFormat.Pt => "PyTorch file (torch.save)",
            TensorFileFormat.Safetensors => "safetensors file",
            TensorFileFormat.Sharded => "sharded safetensors checkpoint",
            _ => "Avalon checkpoint",
        };
        Console.WriteLine($"{path}: {kind}");
        foreach (var note in contents.Notes) Console.WriteLine(note);
        long elements = contents.Tensors.Sum(t => (long)t.Shape.Numel);
        long floating = contents.Tensors.Where(t => t.DType is DType.Float32 or DType.Float64).Sum(t => (long)t.Shape.Numel);
        Console.WriteLine($"parameters: {elements:N0} elements in {contents.Tensors.Count} tensors ({floating:N0} floating-point; buffers such as running statistics included)");
        Console.WriteLine("dtypes as Avalon loads them (float16 and bfloat16 widen to float32, 8- and 16-bit integers to int32)");
        foreach (var t in contents.Tensors)
        {
            string stored = t.StoredType == t.DType.Name() ? "" : $"  (stored as {t.StoredType})";
            Console.WriteLine($"  {t.Name}  {t.DType.Name()}{t.Shape}{stored}");
        }
    }
}
