using System.Diagnostics;
using Avalon.Autodiff;
using Avalon.Primitives;

namespace Avalon.Compiler.Fusion;

/// <summary>
/// The <c>elementwise_fusion</c> pass: finds maximal groups of elementwise calls (unary, binary with
/// broadcasting, where, comparisons and logical operations; see <see cref="FusibleOps"/>) on float32 or
/// float64 values of one output shape whose intermediate values are used only inside the group (and are
/// not tape outputs), and replaces each group of two or more calls with one call of a
/// <see cref="FusedElementwisePrimitive"/>, whose CPU kernel is generated code. Inputs of a group may
/// broadcast into its shape. Groups grow from the last call backwards, so each is as large as those
/// rules allow; a value with users outside its group ends that group and is computed on its own, and so
/// does a call whose arguments an in-place call writes into before the group's last call (where the
/// fused call runs).
/// </summary>
public sealed class ElementwiseFusion : ITapePass
{
    /// <inheritdoc />
    public string Name => "elementwise_fusion";

    /// <inheritdoc />
    public Tape Run(Tape tape, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(context);
        var timer = Stopwatch.StartNew();
        var ops = tape.Ops;
        var specs = new Dictionary<int, TensorSpec>();
        var index = new Dictionary<int, int>();            // value id → position of its op
        var users = new Dictionary<int, HashSet<int>>();   // value id → ids of the calls that read it
        for (int i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            for (int k = 0; k < op.OutputCount; k++) { specs[op.Id + k] = op.OutputSpec(k); index[op.Id + k] = i; }
            if (op is CallOp c)
                foreach (int a in c.Args)
                {
                    if (!users.TryGetValue(a, out var set)) users[a] = set = [];
                    set.Add(c.Id);
                }
        }
        var outputs = new HashSet<int>(tape.Outputs);
        var alias = new AliasAnalysis(tape);
        var duplicable = Duplicable(ops, index, users, outputs);
        var assigned = new HashSet<int>();
        var duplicated = new HashSet<int>();             // values some group recomputes (kept where other readers need them)
        var groups = new List<List<CallOp>>();

        for (int i = ops.Count - 1; i >= 0; i--)
        {
            if (ops[i] is not CallOp root || assigned.Contains(root.Id) || duplicated.Contains(root.Id)) continue;
            if (!FusibleOps.TryGet(root, out var rootOp) || FusedOpInfo.YieldsMask(rootOp)) continue;
            var t = root.Spec.DType;
            if (t is not (DType.Float32 or DType.Float64) || !FusibleOps.Fits(root, rootOp, t, id => specs[id])) continue;
            var members = new Dictionary<int, CallOp> { [root.Id] = root };
            bool grew = true;
            while (grew)
            {
                grew = false;
                foreach (var member in members.Values.ToList())
                    foreach (int arg in member.Args)
                    {
                        if (members.ContainsKey(arg) || assigned.Contains(arg) || outputs.Contains(arg)) continue;
                        if (ops[index[arg]] is not CallOp producer || producer.Id != arg) continue;
                        if (!FusibleOps.TryGet(producer, out var op) || !FusibleOps.Fits(producer, op, t, id => specs[id])) continue;
                        if (producer.Spec.Shape != root.Spec.Shape) continue;
                        if (!duplicable.Contains(arg) && !users[arg].All(members.ContainsKey)) continue;
                        // The fused call runs where the root is: the producer's arguments must not be written in between.
                        if (producer.Args.Any(a => alias.IsWrittenBetween(a, index[arg], i))) continue;
                        members[arg] = producer;
                        grew = true;
                    }
            }
            if (members.Count < 2) continue;
            // A member read only by members computed only here goes into the fused call; one read elsewhere
            // too (or by such a member, which stays on the tape for its other readers) is recomputed here.
            var ordered = members.Values.OrderBy(m => index[m.Id]).ToList();
            var kept = new HashSet<int>();
            for (int m = ordered.Count - 2; m >= 0; m--)
            {
                int id = ordered[m].Id;
                if (users[id].Any(u => !members.ContainsKey(u) || kept.Contains(u))) kept.Add(id);
            }
            foreach (int id in members.Keys)
                if (kept.Contains(id)) duplicated.Add(id);
                else assigned.Add(id);
            groups.Add(ordered);
        }

        if (groups.Count == 0)
        {
            context.Log(1, $"{Name}: no groups ({ops.Count} ops, {timer.Elapsed.TotalMilliseconds:F1} ms)");
            return tape;
        }

        var builder = new TapeBuilder(tape);
        int fusedCalls = 0;
        foreach (var group in groups)
        {
            var root = group[^1];
            var (expression, inputs) = BuildExpression(group, specs);
            var primitive = new FusedElementwisePrimitive(expression);
            int id = builder.FreshId();
            var call = new CallOp(id, root.Spec, primitive, Attributes.Of(("expr", expression.ToString())), inputs);
            builder.Insert(builder.IndexOf(root.Id), call);
            builder.ReplaceAllUses(root.Id, id);
            for (int m = group.Count - 1; m >= 0; m--)
                if (!duplicated.Contains(group[m].Id)) builder.Remove(group[m].Id);
            fusedCalls += group.Count;
            if (context.Options.DebugLevel >= 3) LogKernel(context, tape, primitive, inputs);
        }
        // A recomputed value that every reader now recomputes is computed nowhere else (later values first:
        // removing one can leave its producers unread).
        foreach (int id in duplicated.OrderByDescending(d => index[d]))
            if (!builder.IsUsed(id)) builder.Remove(id);
        var result = builder.Build();
        result.Validate();
        context.Log(1, $"{Name}: {groups.Count} fused group(s) replacing {fusedCalls} calls; {ops.Count} → {result.Ops.Count} ops ({timer.Elapsed.TotalMilliseconds:F1} ms)");
        return result;
    }

    /// <summary>
    /// The values a group may recompute instead of reading, though other calls read them too: a fusible
    /// call, not returned, read only by fusible calls of its own shape (so once each reader's group
    /// recomputes it, it need not be computed or stored at all — BCE's logs and masks, read by the loss and by
    /// its backward, are computed inside both fused calls), unless one of its arguments is the result of
    /// a non-elementwise call (a matmul, a convolution) that only it reads: recomputing it would give that
    /// result a second reader and cost the producer its epilogue.
    /// </summary>
    private static HashSet<int> Duplicable(IReadOnlyList<TapeOp> ops, Dictionary<int, int> index,
        Dictionary<int, HashSet<int>> users, HashSet<int> outputs)
    {
        var result = new HashSet<int>();
        foreach (var op in ops)
        {
            if (op is not CallOp call || !FusibleOps.TryGet(call, out _) || outputs.Contains(call.Id)) continue;
            if (!users.TryGetValue(call.Id, out var readers) || readers.Count < 2) continue;
            if (!readers.All(r => ops[index[r]] is CallOp reader && FusibleOps.TryGet(reader, out _) && reader.Spec.Shape == call.Spec.Shape)) continue;
            if (call.Args.Any(a => users[a].Count == 1 && ops[index[a]] is CallOp producer && producer.Id == a && !FusibleOps.TryGet(producer, out _))) continue;
            result.Add(call.Id);
        }
        return result;
    }

    // The group's expression: its external inputs in order of first use, then one node per call (clamp
    // lowered to its bounds) in tape order; the last call is the output.
    internal static (FusedExpression Expression, int[] Inputs) BuildExpression(List<CallOp> group, IReadOnlyDictionary<int, TensorSpec> specs)
    {
        var nodeOf = new Dictionary<int, int>();
        var nodes = new List<FusedNode>();
        var inputs = new List<int>();
        var inputIsMask = new List<bool>();
        int NodeOf(int id)
        {
            if (nodeOf.TryGetValue(id, out int n)) return n;
            inputs.Add(id);
            inputIsMask.Add(specs[id].DType == DType.Bool);
            nodes.Add(FusedNode.Input(inputs.Count - 1));
            return nodeOf[id] = nodes.Count - 1;
        }
        foreach (var call in group)
        {
            FusibleOps.TryGet(call, out var op);
            var args = call.Args.Select(NodeOf).ToArray();
            var attributes = call.Primitive.ValidateAttributes(call.Attributes);
            int node;
            switch (op)
            {
                case FusedOp.ClampMin:
                    node = args[0];
                    if (attributes.Has("min")) { nodes.Add(new FusedNode(FusedOp.ClampMin, [node], attributes.Double("min"))); node = nodes.Count - 1; }
                    if (attributes.Has("max")) { nodes.Add(new FusedNode(FusedOp.ClampMax, [node], attributes.Double("max"))); node = nodes.Count - 1; }
                    if (node == args[0])
                    {
                        // clamp without bounds copies its input: the output node must still be a node of its own.
                        nodes.Add(new FusedNode(FusedOp.ClampMin, [node], double.NegativeInfinity));
                        node = nodes.Count - 1;
                    }
                    break;
                case FusedOp.PowScalar:
                    nodes.Add(new FusedNode(op, args, attributes.Double("exponent")));
                    node = nodes.Count - 1;
                    break;
                default:
                    nodes.Add(new FusedNode(op, args));
                    node = nodes.Count - 1;
                    break;
            }
            nodeOf[call.Id] = node;
        }
        // The output must be the last node (a clamp without bounds or an identity could leave it earlier).
        int output = nodeOf[group[^1].Id];
        if (output != nodes.Count - 1) nodes.Add(new FusedNode(FusedOp.ClampMin, [output], double.NegativeInfinity));
        return (new FusedExpression(group[^1].Spec.DType, inputIsMask, nodes), [.. inputs]);
    }

    private void LogKernel(PassContext context, Tape tape, FusedElementwisePrimitive primitive, int[] inputs)
    {
        var values = inputs.Select(tape.ValueOf).ToArray();
        if (values.Any(v => v is null))
        {
            context.Log(3, $"{Name}: {primitive.Expression} (its kernel is generated on the first run)");
            return;
        }
        var kernel = primitive.GeneratedKernelFor(values!);
        context.Log(3, $"{Name}: generated in {kernel.CompileTime.TotalMilliseconds:F1} ms for the recorded layout:");
        context.Log(3, kernel.Dump());
    }
}
