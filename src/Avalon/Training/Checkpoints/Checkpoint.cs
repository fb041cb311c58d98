using System.Globalization;
using System.Text;
using System.Text.Json;
using Avalon.Interop.Safetensors;

namespace Avalon.Training.Checkpoints;

/// <summary>
/// A training checkpoint: a model's state dict, optionally an optimiser's state, the epoch and
/// free-form metadata, stored as one safetensors file (see <c>docs/checkpoint-format.md</c>).
/// </summary>
/// <remarks>
/// The file is an ordinary safetensors file: any safetensors reader sees the model's tensors under
/// their PyTorch names and the optimiser's under <c>optimizer.state.&lt;index&gt;.&lt;name&gt;</c>.
/// Every format version ever written keeps loading; a file from a newer Avalon fails with a message
/// that says so.
/// </remarks>
/// <example>
/// <code>
/// Checkpoint.Save("epoch-3.safetensors", model.StateDict(), epoch: 3, metadata: new Dictionary&lt;string, string&gt; { ["note"] = "lr 0.01" });
/// var checkpoint = Checkpoint.Load("epoch-3.safetensors");
/// model.LoadStateDict(checkpoint.ModelState);
/// </code>
/// </example>
public sealed class Checkpoint
{
    /// <summary>The value of the <c>format</c> metadata entry that marks an Avalon checkpoint.</summary>
    public const string FormatName = "avalon.checkpoint";

    /// <summary>The format version this build writes, and the newest it reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>The prefix of optimiser state tensors; model state keys may not start with it.</summary>
    public const string OptimizerStatePrefix = "optimizer.state.";

    internal const string FormatKey = "format";
    internal const string FormatVersionKey = "format_version";
    internal const string CheckpointKey = "checkpoint";

    private Checkpoint(int formatVersion, IReadOnlyDictionary<string, Tensor> modelState, OptimizerCheckpointState? optimizerState, int? epoch, IReadOnlyDictionary<string, string> metadata)
    {
        FormatVersion = formatVersion;
        ModelState = modelState;
        OptimizerState = optimizerState;
        Epoch = epoch;
        Metadata = metadata;
    }

    /// <summary>The format version the file was written in.</summary>
    public int FormatVersion { get; }

    /// <summary>The model's tensors by state-dict key (for example <c>conv1.weight</c>).</summary>
    public IReadOnlyDictionary<string, Tensor> ModelState { get; }

    /// <summary>The optimiser's state, or <see langword="null"/> when none was saved.</summary>
    public OptimizerCheckpointState? OptimizerState { get; }

    /// <summary>The epoch recorded when saving, or <see langword="null"/>.</summary>
    public int? Epoch { get; }

    /// <summary>The user's metadata (empty when none was saved).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Writes a checkpoint atomically: an existing file is replaced only once the new one is complete.</summary>
    /// <param name="path">The file to write (conventionally <c>*.safetensors</c>).</param>
    /// <param name="modelState">The model's state dict; keys may not start with <see cref="OptimizerStatePrefix"/>.</param>
    /// <param name="optimizerState">The optimiser's state, or <see langword="null"/>.</param>
    /// <param name="epoch">The epoch to record, or <see langword="null"/>.</param>
    /// <param name="metadata">Free-form string entries to keep with the checkpoint, or <see langword="null"/>.</param>
    /// <exception cref="ArgumentException">A key collides with the optimiser's prefix or is otherwise invalid.</exception>
    public static void Save(
        string path,
        IReadOnlyDictionary<string, Tensor> modelState,
        OptimizerCheckpointState? optimizerState = null,
        int? epoch = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(modelState);
        var tensors = new List<KeyValuePair<string, Tensor>>(modelState.Count);
        foreach (var (key, tensor) in modelState)
        {
            if (key.StartsWith("optimizer.", StringComparison.Ordinal))
                throw new ArgumentException($"Checkpoint.Save: model state key '{key}' starts with 'optimizer.', which checkpoints reserve for the optimiser's state.", nameof(modelState));
            tensors.Add(new(key, tensor));
        }
        if (optimizerState is not null)
        {
            foreach (var (index, state) in optimizerState.State)
            {
                foreach (var (name, tensor) in state)
                {
                    tensors.Add(new(OptimizerStatePrefix + index.ToString(CultureInfo.InvariantCulture) + "." + name, tensor));
                }
            }
        }
        var header = new Dictionary<string, string>
        {
            [FormatKey] = FormatName,
            [FormatVersionKey] = CurrentFormatVersion.ToString(CultureInfo.InvariantCulture),
            [CheckpointKey] = DescribeV1(optimizerState, epoch, metadata),
        };
        SafetensorsFile.Write(path, tensors, header);
    }

    /// <summary>Reads a checkpoint written by any version of Avalon up to this one.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="InvalidDataException">The file is corrupt or is not an Avalon checkpoint.</exception>
    /// <exception cref="NotSupportedException">The file was written in a newer format version than this build reads.</exception>
    public static Checkpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var content = SafetensorsFile.Read(path);
        if (!content.Metadata.TryGetValue(FormatKey, out var format) || format != FormatName)
            throw new InvalidDataException(
                $"Checkpoint.Load: '{path}' is a safetensors file but not an Avalon checkpoint (its __metadata__ has no \"format\": \"{FormatName}\"); read its tensors with SafetensorsFile.Read.");
        if (!content.Metadata.TryGetValue(FormatVersionKey, out var versionText) ||
            !int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version < 1)
            throw new InvalidDataException($"Checkpoint.Load: '{path}' has an invalid format_version '{versionText}'; expected a positive integer.");
        if (version > CurrentFormatVersion)
            throw new NotSupportedException(
                $"Checkpoint.Load: '{path}' is in checkpoint format version {version}, newer than this build of Avalon reads (versions 1 to {CurrentFormatVersion}); update Avalon to load it.");
        return version switch
        {
            1 => LoadV1(path, content),
            _ => throw new InvalidDataException($"Checkpoint.Load: '{path}' has unknown format version {version}."),
        };
    }

    private static string DescribeV1(OptimizerCheckpointState? optimizerState, int? epoch, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (epoch is int e) json.WriteNumber("epoch", e);
            else json.WriteNull("epoch");
            json.WritePropertyName("optimizer");
            if (optimizerState is null) json.WriteNullValue();
            else
            {
                using var document = JsonDocument.Parse(optimizerState.Json);
                document.RootElement.WriteTo(json);
            }
            json.WriteStartObject("metadata");
            if (metadata is not null)
            {
                foreach (var (key, value) in metadata)
                {
                    ArgumentNullException.ThrowIfNull(value, $"metadata['{key}']");
                    json.WriteString(key, value);
                }
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static Checkpoint LoadV1(string path, SafetensorsContent content)
    {
        if (!content.Metadata.TryGetValue(CheckpointKey, out var description))
            throw new InvalidDataException($"Checkpoint.Load: '{path}' lacks the \"{CheckpointKey}\" metadata entry that format version 1 requires.");
        int? epoch;
        string? optimizerJson;
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(description);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new JsonException("expected an object");
            var epochValue = root.GetProperty("epoch");
            epoch = epochValue.ValueKind == JsonValueKind.Null ? null : epochValue.GetInt32();
            var optimizer = root.GetProperty("optimizer");
            optimizerJson = optimizer.ValueKind == JsonValueKind.Null ? null : optimizer.GetRawText();
            foreach (var item in root.GetProperty("metadata").EnumerateObject())
            {
                metadata[item.Name] = item.Value.GetString() ?? throw new JsonException($"metadata '{item.Name}' is null");
            }
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"Checkpoint.Load: '{path}' has a malformed \"{CheckpointKey}\" metadata entry ({ex.Message}).", ex);
        }

        var model = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var optimizerTensors = new SortedDictionary<int, Dictionary<string, Tensor>>();
        foreach (var (key, tensor) in content.Tensors)
        {
            if (!key.StartsWith(OptimizerStatePrefix, StringComparison.Ordinal))
            {
                model.Add(key, tensor);
                continue;
            }
            string rest = key[OptimizerStatePrefix.Length..];
            int dot = rest.IndexOf('.');
            if (dot <= 0 || dot == rest.Length - 1 || (rest[0] == '0' && dot > 1) ||
                !int.TryParse(rest.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
                throw new InvalidDataException($"Checkpoint.Load: '{path}' has a tensor '{key}' whose name is not '{OptimizerStatePrefix}<index>.<name>'.");
            if (!optimizerTensors.TryGetValue(index, out var state)) optimizerTensors[index] = state = new(StringComparer.Ordinal);
            if (!state.TryAdd(rest[(dot + 1)..], tensor))
                throw new InvalidDataException($"Checkpoint.Load: '{path}' holds optimiser state '{key}' twice.");
        }
        if (optimizerJson is null && optimizerTensors.Count > 0)
            throw new InvalidDataException($"Checkpoint.Load: '{path}' has optimiser state tensors but no optimiser entry in its metadata.");
        OptimizerCheckpointState? optimizerState = null;
        if (optimizerJson is not null)
        {
            var state = new Dictionary<int, IReadOnlyDictionary<string, Tensor>>();
            foreach (var (index, tensors) in optimizerTensors) state[index] = tensors;
            optimizerState = new OptimizerCheckpointState(state, optimizerJson);
        }
        return new Checkpoint(1, model, optimizerState, epoch, metadata);
    }
}
