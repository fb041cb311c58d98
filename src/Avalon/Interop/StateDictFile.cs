using Avalon.Interop.Safetensors;
using Avalon.Interop.Torch;

namespace Avalon.Interop;

/// <summary>
/// A state dict (tensors by PyTorch <c>state_dict</c> key) in any of the formats Avalon exchanges with
/// PyTorch and Hugging Face, chosen by the file name: <c>model.LoadStateDict(StateDictFile.Load(path))</c>
/// loads a <c>.pt</c> file, a <c>.safetensors</c> file or a sharded checkpoint's index alike, and
/// <c>model.LoadStateDict(StateDictFile.Map(path))</c> does so reading one tensor at a time from the mapped file.
/// </summary>
/// <remarks>
/// An Avalon training checkpoint is a safetensors file too; <see cref="Load"/> gives all its tensors, the
/// optimiser's (<c>optimizer.state.*</c>) included. Read a checkpoint with <c>Checkpoint.Load</c>
/// (<c>Avalon.Training.Checkpoints</c>) for its model state alone, verified.
/// </remarks>
public static class StateDictFile
{
    /// <summary>The default largest shard <see cref="Save"/> writes for <see cref="StateDictFormat.ShardedSafetensors"/>: 5 GB, Hugging Face's default.</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    /// <summary>The format a file name stands for: <c>*.safetensors.index.json</c>, <c>*.safetensors</c>, or <c>*.pt</c>, <c>*.pth</c>, <c>*.bin</c>.</summary>
    /// <param name="path">A file path.</param>
    /// <returns>The format, or <see langword="null"/> for any other name.</returns>
    public static StateDictFormat? FormatOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (SafetensorsFile.IsIndex(path)) return StateDictFormat.ShardedSafetensors;
        string extension = Path.GetExtension(path).ToLowerInvariant();
        return extension switch
        {
            ".safetensors" => StateDictFormat.Safetensors,
            ".pt" or ".pth" or ".bin" => StateDictFormat.Torch,
            _ => null,
        };
    }

    /// <summary>Reads the state dict in <paramref name="path"/>.</summary>
    /// <param name="path">The file (for a sharded checkpoint, its index).</param>
    /// <param name="format">The format; <see langword="null"/> to take it from the name (<see cref="FormatOf"/>).</param>
    /// <returns>The tensors by key, in file order, on the CPU.</returns>
    /// <exception cref="ArgumentException">No format is given and the name stands for none.</exception>
    /// <exception cref="InvalidDataException">The file is not valid in its format.</exception>
    /// <exception cref="NotSupportedException">The file holds a dtype Avalon cannot represent.</exception>
    /// <exception cref="IOException">A file cannot be read (<see cref="FileNotFoundException"/> for a missing one or a missing shard).</exception>
    public static IReadOnlyDictionary<string, Tensor> Load(string path, StateDictFormat? format = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Resolve(path, format, "StateDictFile.Load") switch
        {
            StateDictFormat.Torch => TorchFile.Load(path),
            StateDictFormat.Safetensors => SafetensorsFile.Read(path).Tensors,
            _ => SafetensorsFile.ReadSharded(path).Tensors,
        };
    }

    /// <summary>
    /// Opens the state dict in <paramref name="path"/> lazily: names, dtypes and shapes are read now, each
    /// tensor only when its value is read, from the memory-mapped file (see <see cref="MappedStateDict"/>).
    /// <c>using var state = StateDictFile.Map(path); model.LoadStateDict(state);</c> loads a checkpoint with
    /// the model's memory and no second copy of it.
    /// </summary>
    /// <param name="path">The file (for a sharded checkpoint, its index).</param>
    /// <param name="format">The format; <see langword="null"/> to take it from the name (<see cref="FormatOf"/>).</param>
    /// <returns>The lazy state dict, keys in the order <see cref="Load"/> gives them; dispose it to close the file(s).</returns>
    /// <exception cref="ArgumentException">No format is given and the name stands for none.</exception>
    /// <exception cref="InvalidDataException">The file is not valid in its format.</exception>
    /// <exception cref="NotSupportedException">The file holds a dtype Avalon cannot represent.</exception>
    /// <exception cref="IOException">A file cannot be read (<see cref="FileNotFoundException"/> for a missing one or a missing shard).</exception>
    public static MappedStateDict Map(string path, StateDictFormat? format = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Resolve(path, format, "StateDictFile.Map") switch
        {
            StateDictFormat.Torch => TorchFile.Map(path),
            StateDictFormat.Safetensors => SafetensorsFile.Map(path),
            _ => SafetensorsFile.MapSharded(path),
        };
    }

    /// <summary>Writes a state dict to <paramref name="path"/> atomically (for a sharded checkpoint, each file).</summary>
    /// <param name="path">The file to write (for a sharded checkpoint, the index; its shards go beside it).</param>
    /// <param name="tensors">The tensors by key, in the order to write them.</param>
    /// <param name="format">The format; <see langword="null"/> to take it from the name (<see cref="FormatOf"/>).</param>
    /// <param name="maxShardBytes">For <see cref="StateDictFormat.ShardedSafetensors"/>, the most tensor bytes per shard.</param>
    /// <exception cref="ArgumentException">No format is given and the name stands for none, or a tensor cannot be written in the format.</exception>
    /// <exception cref="NotSupportedException">A tensor's dtype has no counterpart in the format.</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, StateDictFormat? format = null, long maxShardBytes = DefaultMaxShardBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        switch (Resolve(path, format, "StateDictFile.Save"))
        {
            case StateDictFormat.Torch:
                TorchFile.Save(path, tensors);
                break;
            case StateDictFormat.Safetensors:
                SafetensorsFile.Write(path, tensors);
                break;
            default:
                SafetensorsFile.WriteSharded(path, tensors, maxShardBytes);
                break;
        }
    }

    private static StateDictFormat Resolve(string path, StateDictFormat? format, string op) =>
        format ?? FormatOf(path) ?? throw OpErrors.Argument(op,
            $"'{path}' names no known state dict format; expected .pt, .pth or .bin (PyTorch), .safetensors, or .safetensors.index.json (a sharded checkpoint), or pass the format.",
            nameof(path));
}
