using Avalon.Autodiff;

namespace Avalon.Onnx.Export;

/// <summary>A function recorded as a tape, with the ids of its outputs.</summary>
internal sealed record ExportTrace(Tape Tape, int[] Outputs, Tensor[] OutputValues)
{
    /// <summary>Records <paramref name="function"/> on <paramref name="inputs"/>.</summary>
    public static ExportTrace Record(Func<Tensor[], Tensor[]> function, Tensor[] inputs)
    {
        for (int i = 0; i < inputs.Length; i++)
            for (int j = 0; j < i; j++)
                if (ReferenceEquals(inputs[i], inputs[j]))
                    throw new ArgumentException($"onnx export: input {i} is the same tensor as input {j}; pass distinct tensors.");
        Tensor[]? outputs = null;
        var tape = Grad.Trace(x =>
        {
            outputs = function(x) ?? throw new ArgumentException("onnx export: the function returned null.");
            if (outputs.Length == 0) throw new ArgumentException("onnx export: the function returned no tensors.");
            return outputs[0];
        }, inputs);
        var ids = new int[outputs!.Length];
        for (int k = 0; k < ids.Length; k++)
        {
            if (!tape.Tracks(outputs[k]))
                throw new ArgumentException(
                    $"onnx export: output {k} ({outputs[k].DType.Name()}{outputs[k].Shape}) is not computed from the inputs or captured tensors " +
                    "by a recorded operation; return a value the function computes.");
            ids[k] = tape.IdOf(outputs[k]);
        }
        if (tape.HostReads.Count > 0)
            throw new InvalidOperationException(
                $"onnx export: the function read {tape.HostReads.Count} traced value(s) on the host ({string.Join("; ", tape.HostReads.Take(3))}), " +
                "so the exported graph would freeze a data-dependent choice; keep the computation in tensor operations.");
        return new ExportTrace(tape, ids, outputs);
    }
}
