using System.CommandLine;
using Avalon.Onnx;
using Google.Protobuf;

namespace Avalon.Cli;

/// <summary><c>avalon onnx run MODEL --input NAME=FILE.pb ... [--output DIR]</c>: runs a model on TensorProto files.</summary>
internal static class OnnxRunCommand
{
    public static Command Create()
    {
        var model = new Argument<string>("MODEL") { Description = "The .onnx file." };
        var inputs = new Option<string[]>("--input", "-i")
        {
            Description = "An input as NAME=FILE (a serialised TensorProto, .pb); repeat for each input. A bare FILE feeds the inputs in order.",
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string?>("--output", "-o") { Description = "Write each output to DIR/<name>.pb instead of printing it." };
        var command = new Command("run", "Run an ONNX model on .pb tensor files and print (or write) its outputs.") { model, inputs, output };
        command.SetAction(parse =>
        {
            try
            {
                var module = OnnxModule.Load(parse.GetValue(model)!);
                module.Eval();
                var given = parse.GetValue(inputs) ?? [];
                var feed = new Dictionary<string, Tensor>(StringComparer.Ordinal);
                for (int i = 0; i < given.Length; i++)
                {
                    int eq = given[i].IndexOf('=');
                    string name = eq > 0 ? given[i][..eq] : i < module.InputNames.Count ? module.InputNames[i] : throw new ArgumentException($"more inputs given than the model takes ({module.InputNames.Count}).");
                    string file = eq > 0 ? given[i][(eq + 1)..] : given[i];
                    feed[name] = OnnxTensors.ReadTensorFile(file);
                }
                IReadOnlyDictionary<string, Tensor> outputs;
                using (new Avalon.Autodiff.NoGrad()) outputs = module.Run(feed);
                string? dir = parse.GetValue(output);
                if (dir is not null) Directory.CreateDirectory(dir);
                foreach (var (name, value) in outputs)
                {
                    if (dir is null)
                    {
                        Console.WriteLine($"{name}: {value.DType.Name()}{value.Shape}");
                        Console.WriteLine(value.ToString());
                    }
                    else
                    {
                        string safe = OnnxStateKeys.Sanitize(name);
                        File.WriteAllBytes(Path.Combine(dir, safe + ".pb"), OnnxTensors.ToTensorProtoBytes(value, name));
                        Console.WriteLine($"{name}: {value.DType.Name()}{value.Shape} -> {Path.Combine(dir, safe + ".pb")}");
                    }
                }
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or NotSupportedException or InvalidOperationException)
            {
                Console.Error.WriteLine($"avalon onnx run: {e.Message}");
                return 1;
            }
        });
        return command;
    }
}
