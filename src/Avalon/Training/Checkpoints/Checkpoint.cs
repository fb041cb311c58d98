using System.Globalization;
using System.Text;
using System.Text.Json;
using Avalon.Data;
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
/// that says so. Version 2 files carry a checksum of every tensor and of their metadata, verified
/// on load; every problem with a file is a <see cref="CheckpointException"/>.
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
    public const int CurrentFormatVersion = 2;

    /// <summary>The prefix of optimiser state tensors; model state keys may not start with it.</summary>
    public const string OptimizerStatePrefix = "optimizer.state.";

    internal const string FormatKey = "format";
    internal const string FormatVersionKey = "format_version";
    internal const string CheckpointKey = "checkpoint";
    internal const string CheckpointChecksumKey = "checkpoint_xxh3";

    private Checkpoint(int formatVersion, IReadOnlyDictionary<string, Tensor> modelState, OptimizerCheckpointState? optimizerState,
        SchedulerCheckpointState? schedulerState, int? epoch, IReadOnlyDictionary<string, string> metadata)
    {
        FormatVersion = formatVersion;
        ModelState = modelState;
        OptimizerState = optimizerState;
        SchedulerState = schedulerState;
        Epoch = epoch;
        Metadata = metadata;
    }

    /// <summary>The format version the file was written in.</summary>
    public int FormatVersion { get; }

    /// <summary>The model's tensors by state-dict key (for example <c>conv1.weight</c>).</summary>
    public IReadOnlyDictionary<string, Tensor> ModelState { get; }

    /// <summary>The optimiser's state, or <see langword="null"/> when none was saved.</summary>
    public OptimizerCheckpointState? OptimizerState { get; }

    /// <summary>The learning-rate scheduler's state, or <see langword="null"/> when none was saved (always for version 1).</summary>
    public SchedulerCheckpointState? SchedulerState { get; }

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
    /// <param name="schedulerState">The learning-rate scheduler's state, or <see langword="null"/>.</param>
    /// <param name="allowNonFinite">
    /// Save even when a floating-point tensor holds NaN or an infinity. By default such a checkpoint
    /// is refused, so a diverged run does not replace the last good file.
    /// </param>
    /// <exception cref="ArgumentException">A key collides with the optimiser's prefix or is otherwise invalid, or (without <paramref name="allowNonFinite"/>) a tensor holds a non-finite value; the message names the first such tensor.</exception>
    public static void Save(
        string path,
        IReadOnlyDictionary<string, Tensor> modelState,
        OptimizerCheckpointState? optimizerState = null,
        int? epoch = null,
        IReadOnlyDictionary<string, string>? metadata = null,
        SchedulerCheckpointState? schedulerState = null,
        bool allowNonFinite = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(modelState);
        var tensors = new List<KeyValuePair<string, Tensor>>(modelState.Count);
        foreach (var (key, tensor) in modelState)
        {
            if (key.StartsWith("optimizer.", StringComparison.Ordinal))
                throw OpErrors.Argument("Checkpoint.Save", $"model state key '{key}' starts with 'optimizer.', which checkpoints reserve for the optimiser's state.", nameof(modelState));
            ArgumentNullException.ThrowIfNull(tensor, $"modelState['{key}']");
            tensors.Add(new(key, tensor));
        }
        int modelCount = tensors.Count;
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
        var checksums = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i < tensors.Count; i++)
        {
            // The file holds host bytes: a tensor on another device is copied to the host first.
            var (name, onDevice) = tensors[i];
            var tensor = onDevice.CopiedTo(Device.Cpu);
            tensors[i] = new(name, tensor);
            if (!allowNonFinite && FirstNonFinite(tensor) is long at)
                throw OpErrors.Argument(
                    "Checkpoint.Save", $"{(i < modelCount ? "model tensor" : "optimizer state tensor")} '{name}' (shape {tensor.Shape}) holds a non-finite value " +
                    $"({tensor.Reshape(-1)[checked((int)at)].Item()} at flat index {at}); refusing to save it over a checkpoint. " +
                    "Pass allowNonFinite: true to save it anyway.", nameof(modelState));
            checksums[name] = TensorChecksum.Of(SafetensorsDType.Name(tensor.DType), tensor.Shape.ToArray(), HostTensors.Bytes(tensor));
        }
        string description = Describe(optimizerState, schedulerState, epoch, metadata, checksums);
        var header = new Dictionary<string, string>
        {
            [FormatKey] = FormatName,
            [FormatVersionKey] = CurrentFormatVersion.ToString(CultureInfo.InvariantCulture),
            [CheckpointKey] = description,
            [CheckpointChecksumKey] = TensorChecksum.OfText(description),
        };
        SafetensorsFile.Write(path, tensors, header);
    }

    /// <summary>Reads a checkpoint written by any version of Avalon up to this one, verifying its checksums.</summary>
    /// <param name="path">The checkpoint file.</param>
    /// <exception cref="CheckpointException">The file is corrupt, is not an Avalon checkpoint, or was written in a newer format version than this build reads; the message lists every problem.</exception>
    /// <exception cref="IOException">The file cannot be read (for example <see cref="FileNotFoundException"/>).</exception>
    public static Checkpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafetensorsContent content;
        try
        {
            content = SafetensorsFile.Read(path);
        }
        catch (Exception ex) when (ex is InvalidDataException or NotSupportedException or EndOfStreamException)
        {
            throw Fail(path, ex.Message, ex);
        }
        if (!content.Metadata.TryGetValue(FormatKey, out var format) || format != FormatName)
            throw Fail(path, $"it is a safetensors file but not an Avalon checkpoint (its __metadata__ has no \"format\": \"{FormatName}\"); read its tensors with SafetensorsFile.Read.");
        if (!content.Metadata.TryGetValue(FormatVersionKey, out var versionText) ||
            !int.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out int version) || version < 1 ||
            versionText.Length > 1 && versionText[0] == '0')
            throw Fail(path, $"it has an invalid format_version '{versionText}'; expected a positive integer.");
        if (version > CurrentFormatVersion)
            throw Fail(path, $"it is in checkpoint format version {version}, newer than this build of Avalon reads (versions 1 to {CurrentFormatVersion}); update Avalon to load it.");
        if (!content.Metadata.TryGetValue(CheckpointKey, out var description))
            throw Fail(path, $"it lacks the \"{CheckpointKey}\" metadata entry that format version {version} requires.");
        if (version >= 2)
        {
            if (!content.Metadata.TryGetValue(CheckpointChecksumKey, out var documentChecksum))
                throw Fail(path, $"it lacks the \"{CheckpointChecksumKey}\" metadata entry that format version {version} requires.");
            if (documentChecksum != TensorChecksum.OfText(description))
                throw Fail(path, $"the checksum of its \"{CheckpointKey}\" metadata entry does not match (the file is damaged).");
        }
        var parsed = ParseDescription(path, description, version);
        var problems = new List<string>();
        if (parsed.Checksums is { } expected) VerifyChecksums(content.Tensors, expected, problems);

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
            {
                problems.Add($"it has a tensor '{key}' whose name is not '{OptimizerStatePrefix}<index>.<name>'.");
                continue;
            }
            if (!optimizerTensors.TryGetValue(index, out var state)) optimizerTensors[index] = state = new(StringComparer.Ordinal);
            if (!state.TryAdd(rest[(dot + 1)..], tensor))
                problems.Add($"it holds optimiser state '{key}' twice.");
        }
        if (parsed.OptimizerJson is null && optimizerTensors.Count > 0)
            problems.Add("it has optimiser state tensors but no optimiser entry in its metadata.");
        if (problems.Count > 0) throw new CheckpointException("Checkpoint.Load", path, problems);
        OptimizerCheckpointState? optimizerState = null;
        if (parsed.OptimizerJson is not null)
        {
            var state = new Dictionary<int, IReadOnlyDictionary<string, Tensor>>();
            foreach (var (index, tensors) in optimizerTensors) state[index] = tensors;
            optimizerState = new OptimizerCheckpointState(state, parsed.OptimizerJson);
        }
        return new Checkpoint(version, model, optimizerState, parsed.Scheduler, parsed.Epoch, parsed.Metadata);
    }

    private static CheckpointException Fail(string path, string problem, Exception? inner = null) =>
        new("Checkpoint.Load", path, [problem], inner);

    /// <summary>The flat index of the first NaN or infinity in a floating-point tensor, or <see langword="null"/>.</summary>
    private static long? FirstNonFinite(Tensor tensor)
    {
        switch (tensor.DType)
        {
            case DType.Float32:
            {
                var values = HostTensors.Elements<float>(tensor);
                for (int i = 0; i < values.Length; i++)
                    if (!float.IsFinite(values[i])) return i;
                return null;
            }
            case DType.Float64:
            {
                var values = HostTensors.Elements<double>(tensor);
                for (int i = 0; i < values.Length; i++)
                    if (!double.IsFinite(values[i])) return i;
                return null;
            }
            default:
                return null;
        }
    }

    private static void VerifyChecksums(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> expected, List<string> problems)
    {
        foreach (var (name, tensor) in tensors)
        {
            if (!expected.TryGetValue(name, out var sum))
                problems.Add($"tensor '{name}' has no checksum in the metadata.");
            else if (sum != TensorChecksum.Of(SafetensorsDType.Name(tensor.DType), tensor.Shape.ToArray(), HostTensors.Bytes(tensor)))
                problems.Add($"the checksum of tensor '{name}' does not match its {tensor.DType.Name()} data of shape {tensor.Shape} (the file is damaged).");
        }
        foreach (var name in expected.Keys)
            if (!tensors.ContainsKey(name)) problems.Add($"the metadata has a checksum for a tensor '{name}' that the file does not hold.");
    }

    private static string Describe(OptimizerCheckpointState? optimizerState, SchedulerCheckpointState? schedulerState, int? epoch,
        IReadOnlyDictionary<string, string>? metadata, IReadOnlyDictionary<string, string> checksums)
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
            json.WritePropertyName("scheduler");
            if (schedulerState is null) json.WriteNullValue();
            else SchedulerStateJson.Write(json, schedulerState);
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
            json.WriteStartObject("checksums");
            json.WriteString("algorithm", TensorChecksum.Algorithm);
            json.WriteStartObject("tensors");
            foreach (var (name, sum) in checksums) json.WriteString(name, sum);
            json.WriteEndObject();
            json.WriteEndObject();
            json.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private sealed record Description(int? Epoch, string? OptimizerJson, SchedulerCheckpointState? Scheduler,
        Dictionary<string, string> Metadata, Dictionary<string, string>? Checksums);

    private static Description ParseDescription(string path, string description, int version)
    {
        try
        {
            using var document = JsonDocument.Parse(description);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new JsonException("expected an object");
            var epochValue = root.GetProperty("epoch");
            int? epoch = epochValue.ValueKind == JsonValueKind.Null ? null : epochValue.GetInt32();
            var optimizer = root.GetProperty("optimizer");
            string? optimizerJson = optimizer.ValueKind == JsonValueKind.Null ? null : optimizer.GetRawText();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var metadataValue = root.GetProperty("metadata");
            if (metadataValue.ValueKind != JsonValueKind.Object) throw new JsonException("'metadata' is not an object");
            foreach (var item in metadataValue.EnumerateObject())
                metadata[item.Name] = item.Value.GetString() ?? throw new JsonException($"metadata '{item.Name}' is null");
            if (version == 1) return new Description(epoch, optimizerJson, null, metadata, null);

            var schedulerValue = root.GetProperty("scheduler");
            var scheduler = schedulerValue.ValueKind == JsonValueKind.Null ? null : SchedulerStateJson.Read(schedulerValue);
            var checksumsValue = root.GetProperty("checksums");
            if (checksumsValue.ValueKind != JsonValueKind.Object) throw new JsonException("'checksums' is not an object");
            string? algorithm = checksumsValue.GetProperty("algorithm").GetString();
            if (algorithm != TensorChecksum.Algorithm)
                throw new JsonException($"the checksum algorithm is '{algorithm}', expected '{TensorChecksum.Algorithm}'");
            var tensorsValue = checksumsValue.GetProperty("tensors");
            if (tensorsValue.ValueKind != JsonValueKind.Object) throw new JsonException("'checksums.tensors' is not an object");
            var checksums = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var item in tensorsValue.EnumerateObject())
                checksums[item.Name] = item.Value.GetString() ?? throw new JsonException($"the checksum of '{item.Name}' is null");
            return new Description(epoch, optimizerJson, scheduler, metadata, checksums);
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or ArgumentException)
        {
            throw Fail(path, $"its \"{CheckpointKey}\" metadata entry is malformed ({ex.Message}).", ex);
        }
    }
}
