using Avalon.Autodiff;

namespace Avalon.Compiler.Passes;

/// <summary>
/// Removes values nothing needs: a call is kept when one of its values is returned or read by a kept
/// call, or when it writes into an input in place (an in-place update, a running statistic, an
/// optimiser step: its effect is the point); constants nothing reads are removed. Inputs stay (they
/// are the tape's signature) and so do seed draws, even unused ones, so that the generators advance
/// as the eager code makes them advance and later random calls draw the same numbers. A random call
/// whose result is unused is removed. A kept call of several values whose later values nothing needs
/// becomes the call of the primitive's single-output form where it has one (max pooling without the
/// positions of its maxima, in an inference tape: no index tensor is written).
/// </summary>
public sealed class DeadCodeElimination : ITapePass
{
    /// <inheritdoc />
    public string Name => "dead_code";

    /// <inheritdoc />
    public Tape Run(Tape tape, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(tape);
        var live = new HashSet<int>(tape.Outputs);
        var keep = new bool[tape.Ops.Count];
        for (int i = tape.Ops.Count - 1; i >= 0; i--)
        {
            var op = tape.Ops[i];
            switch (op)
            {
                case CallOp call:
                    bool needed = call.Primitive.Effects.IsInPlace;
                    for (int k = 0; k < call.OutputCount && !needed; k++) needed = live.Contains(call.Id + k);
                    if (!needed) break;
                    keep[i] = true;
                    foreach (int a in call.Args) live.Add(a);
                    break;
                case ConstantOp c:
                    keep[i] = live.Contains(c.Id);
                    break;
                default:
                    keep[i] = true; // inputs and seed draws
                    break;
            }
        }
        bool narrowed = false;
        var narrow = new TapeOp?[tape.Ops.Count];
        for (int i = 0; i < keep.Length; i++)
        {
            if (!keep[i] || tape.Ops[i] is not CallOp { OutputCount: > 1 } call || call.Primitive.FirstOutputAlone is not { } alone) continue;
            bool laterNeeded = false;
            for (int k = 1; k < call.OutputCount && !laterNeeded; k++) laterNeeded = live.Contains(call.Id + k);
            if (laterNeeded || !live.Contains(call.Id)) continue;
            narrow[i] = new CallOp(call.Id, call.Spec, alone, call.Attributes, call.Args);
            narrowed = true;
            context.Log(2, $"{Name}: {call} → {narrow[i]}");
        }
        if (!narrowed && Array.TrueForAll(keep, k => k)) return tape;
        var ops = new List<TapeOp>(tape.Ops.Count);
        for (int i = 0; i < keep.Length; i++)
            if (keep[i]) ops.Add(narrow[i] ?? tape.Ops[i]);
        return new Tape(ops, tape.Outputs);
    }
}
