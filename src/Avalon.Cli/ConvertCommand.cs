using System.CommandLine;

namespace Avalon.Cli;

/// <summary>
/// <c>avalon convert IN OUT [--from F] [--to F] [--max-shard-size SIZE]</c>: the tensors of a PyTorch file,
/// a safetensors file, a sharded safetensors checkpoint, an Avalon checkpoint or an ONNX model's initialisers,
/// written as a PyTorch file, safetensors, a sharded checkpoint or an Avalon checkpoint.
/// </summary>
/// <remarks>Exit codes: 0 converted; 1 a file could not be read or written (missing, damaged, a value the target refuses); 2 a usage error (unknown or unwritable format, OUT the same file as IN).</remarks>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("IN") { Description = "The file to read (.pt/.pth/.bin, .safetensors, *.safetensors.index.json, .onnx)." };
        var output = new Argument<string>("OUT") { Description = "The file to write (.pt, .safetensors, *.safetensors.index.json); its shards go beside an index." };
        var from = new Option<string?>("--from") { Description = "IN's format: pt, safetensors, sharded, checkpoint or onnx (default: from its name; a .safetensors file with Avalon's metadata is a checkpoint)." };
        var to = new Option<string?>("--to") { Description = "OUT's format: pt, safetensors, sharded or checkpoint (default: from its name; .safetensors is plain safetensors)." };
        var maxShard = new Option<string>("--max-shard-size") { Description = "For a sharded OUT, the most tensor bytes per shard (5GB, 500MB, 2GiB, or bytes).", DefaultValueFactory = _ => "5GB" };
        var command = new Command("convert", "Convert tensors between PyTorch files, safetensors (single or sharded), Avalon checkpoints and ONNX initialisers; tensors are copied bit for bit.")
        {
            input, output, from, to, maxShard,
        };
        command.SetAction(parse => Run(parse.GetValue(input)!, parse.GetValue(output)!, parse.GetValue(from), parse.GetValue(to), parse.GetValue(maxShard)!));
        return command;
    }

    private static int Run(string input, string output, string? from, string? to, string maxShard)
    {
        try
        {
            long maxShardBytes = TensorFiles.ParseSize(maxShard);
            if (string.Equals(Path.GetFullPath(input), Path.GetFullPath(output), StringComparison.Ordinal))
                throw new UsageException($"IN and OUT are the same file ('{input}'); write to another file.");
            var target = to is null ? TensorFiles.OfOutput(output) : TensorFiles.Parse(to);
            if (target == TensorFileFormat.Onnx) throw new UsageException(TensorFiles.CannotWriteOnnx);
            if (target == TensorFileFormat.Sharded && !Avalon.Interop.Safetensors.SafetensorsFile.IsIndex(output))
                throw new UsageException($"a sharded checkpoint is written as its index: OUT must end with .safetensors.index.json (for example {Avalon.Interop.Safetensors.SafetensorsFile.IndexFileName}), not '{output}'.");
            if (!File.Exists(input)) throw new FileNotFoundException($"'{input}' does not exist.", input);
            var source = from is null ? TensorFiles.OfInput(input) : TensorFiles.Parse(from);
            var contents = TensorFiles.Read(input, source);
            TensorFiles.Write(output, target, contents.Tensors, maxShardBytes);
            long elements = contents.Tensors.Values.Sum(t => (long)t.Numel);
            Console.WriteLine($"{input} ({Name(source)}) -> {output} ({Name(target)}): {contents.Tensors.Count} tensors, {elements:N0} elements");
            if (source == TensorFileFormat.Checkpoint && contents.Notes.FirstOrDefault(n => n.StartsWith("optimizer state", StringComparison.Ordinal)) is { } optimizer)
                Console.Error.WriteLine($"avalon convert: note: the model's tensors were converted; the checkpoint's {optimizer} were not.");
            return 0;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"avalon convert: {e.Message}");
            return 2;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException or ArgumentException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"avalon convert: {e.Message}");
            return 1;
        }
    }

    private static string Name(TensorFileFormat format) => TensorFiles.FormatNames[(int)format];
}
