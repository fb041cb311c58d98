using Avalon.Interop;
using Avalon.Interop.Safetensors;
using Avalon.Onnx;
using Avalon.Training.Checkpoints;

namespace Avalon.Cli;

/// <summary>Reads and writes the tensors of every <see cref="TensorFileFormat"/>, choosing the format from a name or a file's contents.</summary>
internal static class TensorFiles
{
    /// <summary>The names <c>--from</c> and <c>--to</c> accept.</summary>
    public static readonly string[] FormatNames = ["pt", "safetensors", "sharded", "checkpoint", "onnx"];

    /// <summary>Why no tensors can be converted to ONNX.</summary>
    public const string CannotWriteOnnx = "cannot write ONNX: a model file needs the model's graph, not only its tensors; export the model with Avalon.Onnx's OnnxExport.Save.";

    /// <summary>The format a <c>--from</c>/<c>--to</c> value names.</summary>
    /// <exception cref="UsageException">The value names no format.</exception>
    public static TensorFileFormat Parse(string name) => name.ToLowerInvariant() switch
    {
        "pt" or "pth" or "torch" => TensorFileFormat.Pt,
        "safetensors" => TensorFileFormat.Safetensors,
        "sharded" => TensorFileFormat.Sharded,
        "checkpoint" => TensorFileFormat.Checkpoint,
        "onnx" => TensorFileFormat.Onnx,
        _ => throw new UsageException($"unknown format '{name}'; expected one of {string.Join(", ", FormatNames)}."),
    };

    /// <summary>
    /// The format of an existing file: by its name, and for <c>.safetensors</c> by its metadata (an Avalon
    /// checkpoint says so in <c>__metadata__.format</c>).
    /// </summary>
    /// <exception cref="UsageException">The name stands for no format.</exception>
    public static TensorFileFormat OfInput(string path)
    {
        if (Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase)) return TensorFileFormat.Onnx;
        switch (StateDictFile.FormatOf(path))
        {
            case StateDictFormat.Torch: return TensorFileFormat.Pt;
            case StateDictFormat.ShardedSafetensors: return TensorFileFormat.Sharded;
            case StateDictFormat.Safetensors:
            {
                // The header alone says: no tensor data is read.
                using var mapped = SafetensorsFile.Map(path);
                return mapped.Metadata.TryGetValue("format", out var format) && format == Checkpoint.FormatName
                    ? TensorFileFormat.Checkpoint
                    : TensorFileFormat.Safetensors;
            }
            default:
                throw new UsageException($"cannot tell the format of '{path}' from its name; pass --from ({string.Join(", ", FormatNames)}).");
        }
    }

    /// <summary>The format to write a file in, by its name (<c>.safetensors</c> is plain safetensors; pass <c>--to checkpoint</c> for a checkpoint).</summary>
    /// <exception cref="UsageException">The name stands for no format that can be written.</exception>
    public static TensorFileFormat OfOutput(string path)
    {
        if (Path.GetExtension(path).Equals(".onnx", StringComparison.OrdinalIgnoreCase)) return TensorFileFormat.Onnx;
        return StateDictFile.FormatOf(path) switch
        {
            StateDictFormat.Torch => TensorFileFormat.Pt,
            StateDictFormat.ShardedSafetensors => TensorFileFormat.Sharded,
            StateDictFormat.Safetensors => TensorFileFormat.Safetensors,
            _ => throw new UsageException($"cannot tell the format to write '{path}' in from its name; pass --to ({string.Join(", ", FormatNames[..4])})."),
        };
    }

    /// <summary>What a file holds: its tensors by name and, for some formats, a description of the rest.</summary>
    public sealed record Contents(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyList<string> Notes);

    /// <summary>What a file lists: each tensor's name, dtype and shape and, for some formats, a description of the rest.</summary>
    public sealed record Listing(IReadOnlyList<StoredTensorInfo> Tensors, IReadOnlyList<string> Notes);

    /// <summary>
    /// The tensors of <paramref name="path"/> in <paramref name="format"/> (not ONNX) without their data: a
    /// PyTorch file, a safetensors file and a sharded checkpoint are opened mapped and only their headers
    /// (the pickle, the JSON headers) read; an Avalon checkpoint is read and verified whole.
    /// </summary>
    public static Listing Describe(string path, TensorFileFormat format)
    {
        switch (format)
        {
            case TensorFileFormat.Pt:
            case TensorFileFormat.Safetensors:
            {
                using var mapped = StateDictFile.Map(path, format == TensorFileFormat.Pt ? StateDictFormat.Torch : StateDictFormat.Safetensors);
                return new([.. mapped.Tensors], []);
            }
            case TensorFileFormat.Sharded:
            {
                using var mapped = SafetensorsFile.MapSharded(path);
                return new([.. mapped.Tensors], [ShardNote(path, mapped.Metadata)]);
            }
            default:
            {
                var contents = Read(path, format);
                return new([.. contents.Tensors.Select(t => new StoredTensorInfo(t.Key, t.Value.DType, t.Value.Shape, t.Value.DType.Name()))], contents.Notes);
            }
        }
    }

    private static string ShardNote(string indexPath, IReadOnlyDictionary<string, string> metadata)
    {
        using var index = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(indexPath));
        int shards = index.RootElement.GetProperty("weight_map").EnumerateObject().Select(e => e.Value.GetString()).Distinct(StringComparer.Ordinal).Count();
        string total = metadata.TryGetValue("total_size", out var size) ? $", total_size {size} bytes" : "";
        return $"{shards} shards{total}";
    }

    /// <summary>Reads the tensors of <paramref name="path"/> in <paramref name="format"/>.</summary>
    public static Contents Read(string path, TensorFileFormat format)
    {
        switch (format)
        {
            case TensorFileFormat.Pt:
                return new(StateDictFile.Load(path, StateDictFormat.Torch), []);
            case TensorFileFormat.Safetensors:
                return new(SafetensorsFile.Read(path).Tensors, []);
            case TensorFileFormat.Sharded:
            {
                var content = SafetensorsFile.ReadSharded(path);
                return new(content.Tensors, [ShardNote(path, content.Metadata)]);
            }
            case TensorFileFormat.Checkpoint:
            {
                var checkpoint = Checkpoint.Load(path);
                var notes = new List<string> { $"format version {checkpoint.FormatVersion}, epoch {checkpoint.Epoch?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"}" };
                if (checkpoint.OptimizerState is { } optimizer)
                    notes.Add($"optimizer state: {optimizer.State.Sum(s => s.Value.Count)} tensors for {optimizer.State.Count} parameters");
                if (checkpoint.SchedulerState is { } scheduler) notes.Add($"scheduler state: {scheduler.Type}");
                foreach (var (key, value) in checkpoint.Metadata) notes.Add($"metadata {key}: {value}");
                return new(checkpoint.ModelState, notes);
            }
            default:
            {
                var module = OnnxModule.Load(path);
                return new(module.StateDict(), [$"opset {module.Opset}, producer '{module.ProducerName}'; its initialisers, keyed as OnnxModule keys them"]);
            }
        }
    }

    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/> in <paramref name="format"/>, atomically.</summary>
    /// <exception cref="UsageException">The format cannot be written (ONNX).</exception>
    public static void Write(string path, TensorFileFormat format, IReadOnlyDictionary<string, Tensor> tensors, long maxShardBytes)
    {
        switch (format)
        {
            case TensorFileFormat.Pt:
                StateDictFile.Save(path, tensors, StateDictFormat.Torch);
                break;
            case TensorFileFormat.Safetensors:
                StateDictFile.Save(path, tensors, StateDictFormat.Safetensors);
                break;
            case TensorFileFormat.Sharded:
                StateDictFile.Save(path, tensors, StateDictFormat.ShardedSafetensors, maxShardBytes);
                break;
            case TensorFileFormat.Checkpoint:
                Checkpoint.Save(path, tensors);
                break;
            default:
                throw new UsageException(CannotWriteOnnx);
        }
    }

    /// <summary>A size such as <c>5GB</c>, <c>500MB</c>, <c>2GiB</c> or a plain number of bytes.</summary>
    /// <exception cref="UsageException">The text is not a positive size.</exception>
    public static long ParseSize(string text)
    {
        string t = text.Trim();
        (string Suffix, long Factor)[] units = [("KIB", 1L << 10), ("MIB", 1L << 20), ("GIB", 1L << 30), ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("B", 1)];
        long factor = 1;
        foreach (var (suffix, f) in units)
        {
            if (t.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                t = t[..^suffix.Length];
                factor = f;
                break;
            }
        }
        if (!double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value) ||
            !(value * factor >= 1) || value * factor > long.MaxValue)
            throw new UsageException($"--max-shard-size '{text}' is not a positive size (for example 5GB, 500MB, 2GiB or a number of bytes).");
        return (long)(value * factor);
    }
}
