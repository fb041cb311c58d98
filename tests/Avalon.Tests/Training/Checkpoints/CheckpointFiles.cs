using System.Text;
using System.Text.Json.Nodes;
using Avalon.Interop.Safetensors;
using Avalon.Optim;
using Avalon.Training.Checkpoints;

namespace Avalon.Tests.Training.Checkpoints;

/// <summary>Rewrites checkpoint files for tests: edits the checkpoint document or the tensors, keeping the checksums valid.</summary>
internal static class CheckpointFiles
{
    /// <summary>The committed version 1 checkpoint (see Data/Checkpoints/README.md).</summary>
    public static string Version1File => Path.Combine(AppContext.BaseDirectory, "Data", "Checkpoints", "mlp-adam-v1.safetensors");

    /// <summary>
    /// Writes <paramref name="target"/>: <paramref name="source"/> with its checkpoint document and
    /// tensors edited, and (for version 2) checksums recomputed so that only the edit is wrong.
    /// </summary>
    public static void Rewrite(string source, string target, Action<JsonObject, Dictionary<string, Tensor>> edit) =>
        File.WriteAllBytes(target, Rewrite(SafetensorsFile.Read(source), edit));

    /// <summary>The bytes of <paramref name="content"/> (a checkpoint read with <see cref="SafetensorsFile.Read(string)"/>) after <paramref name="edit"/>.</summary>
    public static byte[] Rewrite(SafetensorsContent content, Action<JsonObject, Dictionary<string, Tensor>> edit)
    {
        var tensors = new Dictionary<string, Tensor>(content.Tensors, StringComparer.Ordinal);
        var document = JsonNode.Parse(content.Metadata[Checkpoint.CheckpointKey])!.AsObject();
        edit(document, tensors);
        var metadata = new Dictionary<string, string>(content.Metadata, StringComparer.Ordinal);
        if (metadata.ContainsKey(Checkpoint.CheckpointChecksumKey))
        {
            if (document["checksums"] is JsonObject checksums)
            {
                var sums = new JsonObject();
                foreach (var (name, tensor) in tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
                    sums[name] = TensorChecksum.Of(SafetensorsDType.Name(tensor.DType), tensor.Shape.ToArray(), Avalon.Data.HostTensors.Bytes(tensor));
                checksums["tensors"] = sums;
            }
            string text = document.ToJsonString();
            metadata[Checkpoint.CheckpointKey] = text;
            metadata[Checkpoint.CheckpointChecksumKey] = TensorChecksum.OfText(text);
        }
        else
        {
            metadata[Checkpoint.CheckpointKey] = document.ToJsonString();
        }
        using var buffer = new MemoryStream();
        SafetensorsFile.Write(buffer, tensors, metadata);
        return buffer.ToArray();
    }

    /// <summary>The optimiser's complete state (hyperparameters, scalar state and every state tensor's values) as one string.</summary>
    public static string Fingerprint(Optimizer optimizer)
    {
        var state = optimizer.ToCheckpointState();
        var text = new StringBuilder(state.Json);
        foreach (var (index, tensors) in state.State.OrderBy(s => s.Key))
            foreach (var (name, tensor) in tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
                text.Append('|').Append(index).Append('.').Append(name).Append(tensor.DType).Append(tensor.Shape).Append(':').AppendJoin(',', tensor.ToDoubleArray());
        return text.ToString();
    }
}
