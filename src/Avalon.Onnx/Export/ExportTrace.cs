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
        var dataReads = DataDependentReads(tape);
        if (dataReads.Count > 0)
            throw new InvalidOperationException(
                $"onnx export: the function read {dataReads.Count} value(s) computed from its inputs on the host ({string.Join("; ", dataReads.Take(3))}), " +
                "so the exported graph would freeze a data-dependent choice; keep the computation in tensor operations.");
        return new ExportTrace(tape, ids, outputs);
    }

    /// <summary>
    /// The host reads of values that depend on an input. A read of a value computed from captured tensors
    /// alone (sequence lengths given as numbers) is fixed for every run, so the trace may freeze it.
    /// </summary>
    private static List<string> DataDependentReads(Tape tape)
    {
        var dependent = new HashSet<int>();
        foreach (var op in tape.Ops)
        {
            bool d = op is InputOp || (op is CallOp call && call.Args.Any(dependent.Contains));
            if (d) foreach (int id in op.Defines) dependent.Add(id);
        }
        var result = new List<string>();
        foreach (var read in tape.HostReads)
        {
            var m = System.Text.RegularExpressions.Regex.Match(read, @" of %(\d+) ");
            if (!m.Success || dependent.Contains(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))) result.Add(read);
        }
        return result;
    }
}
