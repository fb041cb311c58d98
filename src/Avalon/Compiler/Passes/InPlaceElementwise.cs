using System.Diagnostics;
using Avalon.Autodiff;
using Avalon.Compiler.Fusion;
using Avalon.Primitives;

namespace Avalon.Compiler.Passes;

/// <summary>
/// The <c>in_place_elementwise</c> pass, run after fusion: a fused elementwise call
/// (<see cref="FusedElementwisePrimitive"/>) with an input that dies at that call becomes a call that
/// writes its result over that input (<c>fused_elementwise_</c>, whose effects say it mutates that
/// input), so the memory planner gives its result no buffer of its own and the kernel streams through
/// one array less. The generated kernel reads each input element at the position it writes, before
/// writing it, so this is exact when the input has the result's shape, dtype and device and is dense.
/// </summary>
/// <remarks>
/// An input qualifies only when <see cref="AliasAnalysis"/> says it owns its memory (a call's fresh
/// result: not a view, not an in-place result, not a tape input, constant or seed) or it is the result
/// of an earlier rewrite here (which lies densely in the same memory); when no call reads that memory
/// (through any value, views included) after this call, the tape does not return it, and no other call
/// of the tape writes into it; and when no other argument of the call is a view of the same memory.
/// </remarks>
public sealed class InPlaceElementwise : ITapePass
{
    /// <inheritdoc />
    public string Name => "in_place_elementwise";

    /// <inheritdoc />
    public Tape Run(Tape tape, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(context);
        var timer = Stopwatch.StartNew();
        var alias = new AliasAnalysis(tape);
        var ops = tape.Ops;
        var root = new Dictionary<int, int>();
        var lastRead = new Dictionary<int, int>();      // root → index of the last op reading its memory
        var fresh = new HashSet<int>();                  // values that own their memory densely (call results)
        var specs = new Dictionary<int, TensorSpec>();
        for (int i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            for (int k = 0; k < op.OutputCount; k++)
            {
                int id = op.Id + k;
                root[id] = alias.RootOf(id);
                specs[id] = op.OutputSpec(k);
                if (op is CallOp && root[id] == id) fresh.Add(id);
            }
            if (op is CallOp call)
                foreach (int a in call.Args) lastRead[root[a]] = i;
        }
        foreach (int o in tape.Outputs) lastRead[root.GetValueOrDefault(o, o)] = int.MaxValue;

        var rewritten = new List<TapeOp>(ops.Count);
        int count = 0;
        for (int i = 0; i < ops.Count; i++)
        {
            if (ops[i] is not CallOp { Primitive: FusedElementwisePrimitive { WritesOver: < 0 } fused } call)
            {
                rewritten.Add(ops[i]);
                continue;
            }
            int target = -1;
            for (int j = 0; j < call.Args.Length && target < 0; j++)
                if (CanWriteOver(call, j, i)) target = j;
            if (target < 0)
            {
                rewritten.Add(call);
                continue;
            }
            rewritten.Add(call with { Primitive = new FusedElementwisePrimitive(fused.Expression, target) });
            // The result now lives in the input's memory, densely: later calls may write over it in turn. Its
            // views live there too (a later call reading one must see that it aliases the new root).
            int r = root[call.Args[target]];
            foreach (var id in root.Where(kv => kv.Value == call.Id).Select(kv => kv.Key).ToList()) root[id] = r;
            lastRead[r] = lastRead.GetValueOrDefault(call.Id, i);
            fresh.Add(call.Id);
            count++;
        }
        context.Log(1, $"{Name}: {count} fused call(s) write over an input that dies there ({timer.Elapsed.TotalMilliseconds:F1} ms)");
        return count == 0 ? tape : new Tape(rewritten, tape.Outputs);

        bool CanWriteOver(CallOp call, int j, int position)
        {
            int a = call.Args[j];
            if (!fresh.Contains(a) || call.Primitive is not FusedElementwisePrimitive f || f.Expression.InputIsMask(j)) return false;
            int r = root[a];
            if (alias.IsMutated(r) || lastRead.GetValueOrDefault(r, int.MaxValue) != position) return false;
            if (specs[a] != call.Spec) return false;
            // Every other argument in the same memory must be a dense alias of it read at the same positions.
            foreach (int b in call.Args)
                if (root[b] == r && !fresh.Contains(b)) return false;
            return true;
        }
    }
}
