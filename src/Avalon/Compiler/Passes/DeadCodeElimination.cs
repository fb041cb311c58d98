using Avalon.Autodiff;
using Avalon.Primitives.Pooling;

namespace Avalon.Compiler.Passes;

/// <summary>
/// Removes values nothing needs: a call is kept when one of its values is returned or read by a kept
/// call, or when it writes into an input in place (an in-place update, a running statistic, an
/// optimiser step: its effect is the point); constants nothing reads are removed. Inputs stay (they
/// are the tape's signature) and so do seed draws, even unused ones, so that the generators advance
/// as the eager code makes them advance and later random calls draw the same numbers. A random call
/// whose result is unused is removed. A <c>max_pool_with_indices</c> whose positions nothing reads (an
/// inference forward traced while recording) becomes <c>max_pool</c>, which computes the same maxima
/// without writing positions.
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
        var replaced = new Dictionary<int, TapeOp>();
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
                    if (ReferenceEquals(call.Primitive, PoolingPrimitives.MaxPoolWithIndices) && !live.Contains(call.Id + 1))
                        replaced[i] = new CallOp(call.Id, call.Spec, PoolingPrimitives.MaxPool, call.Attributes, call.Args);
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
        if (replaced.Count == 0 && Array.TrueForAll(keep, k => k)) return tape;
        var ops = new List<TapeOp>(tape.Ops.Count);
        for (int i = 0; i < keep.Length; i++)
            if (keep[i]) ops.Add(replaced.GetValueOrDefault(i, tape.Ops[i]));
        return new Tape(ops, tape.Outputs);
    }
}
