using Avalon.Autodiff;
using Avalon.Primitives;
using Avalon.Primitives.Elementwise;
using Avalon.Primitives.Pooling;

namespace Avalon.Compiler.Passes;

/// <summary>
/// The <c>pool_mask</c> pass: the gradient of <c>max_pool(relu(x))</c> masks the scattered gradient of the
/// pooling, <c>where(gt(r, 0), max_pool_backward(g, indices), 0)</c>, over the pooling's whole input. Every
/// position the scatter writes is the maximum of a window it came from, and that window's pooled value is
/// the value there, so the mask can be taken on the pooled values before the scatter:
/// <c>max_pool_backward(where(gt(p, 0), g, 0), indices)</c>, with <c>p, indices = max_pool_with_indices(r)</c>.
/// The elementwise pass then runs over the pooled tensor (a quarter of the input for 2×2 windows), the
/// full-size masked copy disappears, and the pooling's input is no longer read by the backward pass.
/// </summary>
/// <remarks>
/// Values are the same bits: at a position some windows chose, each of their gradients is kept or zeroed by
/// the same comparison (of the same value) as the position itself, and summed in the same order; every
/// other position is +0 either way. The rewrite applies only when the masked value is a scalar +0 constant,
/// the threshold a scalar 0 constant, the scatter has no other reader and is not returned, nothing
/// in between writes the values involved in place (<see cref="AliasAnalysis"/>), and all shapes match.
/// </remarks>
public sealed class PooledMaskGradient : ITapePass
{
    /// <inheritdoc />
    public string Name => "pool_mask";

    /// <inheritdoc />
    public Tape Run(Tape tape, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(context);
        var ops = tape.Ops;
        var definition = new Dictionary<int, TapeOp>();
        var index = new Dictionary<int, int>();
        var readers = new Dictionary<int, int>();
        for (int i = 0; i < ops.Count; i++)
        {
            foreach (int d in ops[i].Defines) { definition[d] = ops[i]; index[d] = i; }
            if (ops[i] is CallOp c)
                foreach (int a in c.Args) readers[a] = readers.GetValueOrDefault(a) + 1;
        }
        var outputs = new HashSet<int>(tape.Outputs);
        var alias = new AliasAnalysis(tape);

        // The masks to move: where-call id → (scatter, pooling).
        var matches = new Dictionary<int, (CallOp Scatter, CallOp Pool, int Threshold)>();
        var scatters = new HashSet<int>();
        foreach (var op in ops)
        {
            if (op is not CallOp w || !ReferenceEquals(w.Primitive, SelectionPrimitives.Where) || w.Args.Length != 3) continue;
            if (!IsScalarZero(definition.GetValueOrDefault(w.Args[2]), positiveOnly: true)) continue;
            if (definition.GetValueOrDefault(w.Args[0]) is not CallOp gt || !ReferenceEquals(gt.Primitive, ComparisonPrimitives.Gt)) continue;
            if (!IsScalarZero(definition.GetValueOrDefault(gt.Args[1]), positiveOnly: false)) continue;
            if (definition.GetValueOrDefault(w.Args[1]) is not CallOp scatter || !ReferenceEquals(scatter.Primitive, PoolingPrimitives.MaxPoolBackward)) continue;
            if (definition.GetValueOrDefault(scatter.Args[1]) is not CallOp pool || !ReferenceEquals(pool.Primitive, PoolingPrimitives.MaxPoolWithIndices)) continue;
            if (scatter.Args[1] != pool.Id + 1 || pool.Args[0] != gt.Args[0]) continue;
            if (readers.GetValueOrDefault(scatter.Id) != 1 || outputs.Contains(scatter.Id)) continue;
            if (definition.GetValueOrDefault(scatter.Args[0]) is not { } g || g.OutputSpec(scatter.Args[0] - g.Id).Shape != pool.OutputSpec(0).Shape) continue;
            if (w.Spec != scatter.Spec || definition[gt.Args[0]].OutputSpec(gt.Args[0] - definition[gt.Args[0]].Id).Shape != w.Spec.Shape) continue;
            if (!alias.IsStable(pool) || !alias.IsStable(scatter) || !alias.IsStable(gt) || !alias.IsStable(w)) continue;
            // The pooled values and the scatter's gradient are read at the where's position.
            if (alias.IsWrittenBetween(pool.Id, index[pool.Id], index[w.Id]) || alias.IsWrittenBetween(scatter.Args[0], index[scatter.Id], index[w.Id])) continue;
            matches[w.Id] = (scatter, pool, gt.Args[1]);
            scatters.Add(scatter.Id);
        }
        if (matches.Count == 0) return tape;

        var rewriter = new TapeRewriter(tape);
        foreach (var op in ops)
        {
            if (op is not CallOp original)
            {
                rewriter.Emit(op);
                continue;
            }
            if (scatters.Contains(original.Id))
            {
                rewriter.Drop();
                continue;
            }
            var call = rewriter.Remap(original);
            if (!matches.TryGetValue(call.Id, out var m))
            {
                rewriter.Emit(call, !ReferenceEquals(call, original));
                continue;
            }
            int pooled = rewriter.Resolve(m.Pool.Id), indices = rewriter.Resolve(m.Scatter.Args[1]);
            int gradient = rewriter.Resolve(m.Scatter.Args[0]), threshold = rewriter.Resolve(m.Threshold);
            var pooledSpec = m.Pool.OutputSpec(0);
            var mask = new CallOp(rewriter.FreshId(), pooledSpec with { DType = DType.Bool }, ComparisonPrimitives.Gt, Attributes.Empty, [pooled, threshold]);
            rewriter.Emit(mask, changed: true);
            var masked = new CallOp(rewriter.FreshId(), pooledSpec, SelectionPrimitives.Where, Attributes.Empty, [mask.Id, gradient, call.Args[2]]);
            rewriter.Emit(masked, changed: true);
            var rewritten = new CallOp(call.Id, call.Spec, PoolingPrimitives.MaxPoolBackward, m.Scatter.Attributes, [masked.Id, indices]);
            rewriter.Emit(rewritten, changed: true);
            context.Log(2, $"{Name}: {call} of {m.Scatter} → {mask}; {masked}; {rewritten}");
        }
        var result = rewriter.Build();
        context.Log(1, $"{Name}: {matches.Count} pooling gradient mask(s) taken on the pooled values");
        return result;
    }

    // A one-element constant equal to zero (+0 only when positiveOnly: the value a masked element takes).
    private static bool IsScalarZero(TapeOp? op, bool positiveOnly) =>
        op is ConstantOp { Value.Numel: 1 } c && c.Value.DType.IsFloatingPoint() && c.Value.ToDoubleArray()[0] is double v && v == 0 &&
        (!positiveOnly || !double.IsNegative(v));
}
