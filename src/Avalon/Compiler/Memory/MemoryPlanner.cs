using Avalon.Autodiff;
using Avalon.Primitives;

namespace Avalon.Compiler.Memory;

/// <summary>
/// Plans the memory of a tape: a liveness analysis gives every buffer the span of ops between its first
/// write and its last read, and buffers are placed in one arena per dtype and device, largest first,
/// each at the lowest offset where it fits beside the buffers already placed that are live at the same
/// time (best fit in the gaps between them, else after them), so buffers whose lives do not overlap
/// reuse the same memory.
/// </summary>
/// <remarks>
/// What owns a buffer: every result of a call that computes fresh values. A view (a
/// <see cref="ViewPrimitive"/>) aliases its base and an in-place result its mutated argument: they have
/// no buffer of their own but keep their base's live until their own last read. Values returned by the
/// tape are live to the end; constants and inputs bound by reference own no buffer. Offsets are aligned
/// to <see cref="Alignment"/> elements.
/// </remarks>
public static class MemoryPlanner
{
    /// <summary>The alignment of every buffer's offset, in elements.</summary>
    public const int Alignment = 16;

    /// <summary>Plans a tape whose inputs are bound by reference (they own no buffer).</summary>
    public static MemoryPlan Plan(Tape tape) =>
        Plan(tape, new HashSet<int>(), new HashSet<int>(), new Dictionary<int, TensorSpec>());

    /// <summary>
    /// Plans a tape. <paramref name="copyingViews"/> are view calls that will copy (a reshape the layout
    /// does not allow as a view): they own a buffer. <paramref name="arenaInputs"/> are inputs copied into
    /// a buffer of their own. <paramref name="scratch"/> gives the op indices that need a scratch buffer
    /// live only during that op, with its spec.
    /// </summary>
    internal static MemoryPlan Plan(Tape tape, ISet<int> copyingViews, ISet<int> arenaInputs, IReadOnlyDictionary<int, TensorSpec> scratch)
    {
        ArgumentNullException.ThrowIfNull(tape);
        var ops = tape.Ops;
        var root = new Dictionary<int, int>();
        var owners = new Dictionary<int, (TensorSpec Spec, int Start)>();
        var end = new Dictionary<int, int>();
        for (int i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            if (op is CallOp call)
            {
                foreach (int a in call.Args)
                    if (root.TryGetValue(a, out int r) && owners.ContainsKey(r)) end[r] = Math.Max(end[r], i);
                var effects = call.Primitive.Effects;
                for (int k = 0; k < call.OutputCount; k++)
                {
                    int id = call.Id + k;
                    if (call.Primitive is ViewPrimitive && !copyingViews.Contains(call.Id)) root[id] = Root(root, call.Args[effects.ViewOfInput]);
                    else if (effects.IsInPlace && k < effects.MutatedInputs.Count) root[id] = Root(root, call.Args[effects.MutatedInputs[k]]);
                    else
                    {
                        root[id] = id;
                        owners[id] = (call.OutputSpec(k), i);
                        end[id] = i;
                    }
                }
            }
            else
            {
                root[op.Id] = op.Id;
                if (op is InputOp && arenaInputs.Contains(op.Id))
                {
                    owners[op.Id] = (op.Spec, i);
                    end[op.Id] = i;
                }
            }
        }
        foreach (int o in tape.Outputs)
            if (root.TryGetValue(o, out int r) && owners.ContainsKey(r)) end[r] = ops.Count;

        var kinds = new List<(DType DType, Device Device)>();
        var requests = new List<(int ValueId, int Kind, int Length, int Start, int End, int ScratchOp)>();
        int KindOf(TensorSpec s)
        {
            int k = kinds.IndexOf((s.DType, s.Device));
            if (k < 0) { kinds.Add((s.DType, s.Device)); k = kinds.Count - 1; }
            return k;
        }
        foreach (var (id, (spec, start)) in owners) requests.Add((id, KindOf(spec), spec.Shape.Numel, start, end[id], -1));
        foreach (var (opIndex, spec) in scratch) requests.Add((-1, KindOf(spec), spec.Shape.Numel, opIndex, opIndex, opIndex));

        var placed = new List<PlannedBuffer>[kinds.Count];
        for (int k = 0; k < kinds.Count; k++) placed[k] = [];
        var buffers = new List<PlannedBuffer>();
        var scratchOps = new Dictionary<PlannedBuffer, int>();
        foreach (var r in requests.OrderByDescending(r => r.Length).ThenBy(r => r.Start).ThenBy(r => r.ValueId))
        {
            var candidate = new PlannedBuffer(r.ValueId, r.Kind, 0, r.Length, r.Start, r.End);
            var buffer = candidate with { Offset = BestFit(placed[r.Kind], candidate) };
            placed[r.Kind].Add(buffer);
            buffers.Add(buffer);
            if (r.ScratchOp >= 0) scratchOps[buffer] = r.ScratchOp;
        }
        var arenas = new ArenaPlan[kinds.Count];
        for (int k = 0; k < kinds.Count; k++)
            arenas[k] = new ArenaPlan(kinds[k].DType, kinds[k].Device,
                placed[k].Count == 0 ? 0 : placed[k].Max(b => (long)b.Offset + b.Length),
                placed[k].Sum(b => (long)b.Length));
        return new MemoryPlan(arenas, buffers, scratchOps);
    }

    private static int Root(Dictionary<int, int> root, int id) => root.GetValueOrDefault(id, id);

    /// <summary>The lowest aligned offset of the smallest gap, among the buffers live together with <paramref name="b"/>, that holds it.</summary>
    private static int BestFit(List<PlannedBuffer> placed, PlannedBuffer b)
    {
        var conflicts = placed.Where(p => p.LiveTogetherWith(b) && p.Length > 0).OrderBy(p => p.Offset).ToList();
        long bestOffset = -1, bestGap = long.MaxValue, cursor = 0;
        foreach (var p in conflicts)
        {
            long gap = p.Offset - cursor;
            if (gap >= b.Length && gap < bestGap)
            {
                bestGap = gap;
                bestOffset = cursor;
            }
            cursor = Math.Max(cursor, Align((long)p.Offset + p.Length));
        }
        if (bestOffset < 0) bestOffset = cursor;
        if (bestOffset + b.Length > int.MaxValue)
            throw OpErrors.State("MemoryPlanner", $"the arena would exceed {int.MaxValue} elements.");
        return (int)bestOffset;
    }

    private static long Align(long offset) => (offset + Alignment - 1) / Alignment * Alignment;
}
