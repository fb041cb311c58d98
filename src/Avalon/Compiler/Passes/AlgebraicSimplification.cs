using Avalon.Autodiff;
using Avalon.Primitives;
using Avalon.Primitives.Elementwise;
using Avalon.Primitives.Views;

namespace Avalon.Compiler.Passes;

/// <summary>
/// Rewrites calls by algebraic identities: <c>x*1</c>, <c>1*x</c>, <c>x/1</c>, <c>x+0</c>, <c>0+x</c>,
/// <c>x-0</c> → <c>x</c> (the constant a literal or frozen constant, see <see cref="ConstantFolding"/>,
/// and only when the result has <c>x</c>'s shape and dtype); <c>neg(neg(x))</c> → <c>x</c>; a permute
/// of a permute → one permute, or <c>x</c> when they cancel (a transpose of a transpose); a reshape of a
/// reshape → one reshape; a reshape, expand or permute that changes nothing → <c>x</c>; an expand of an
/// expand → one expand; <c>convert</c> to the dtype it has → <c>x</c>; and a broadcasting elementwise
/// call reading <c>expand(s)</c> reads <c>s</c> instead when broadcasting gives the same result (the
/// broadcast of a scalar). Values whose memory the tape writes in place are left alone
/// (<see cref="AliasAnalysis"/>). <c>x+0</c> → <c>x</c> differs from IEEE arithmetic in one case only:
/// <c>-0 + 0</c> is <c>+0</c>.
/// </summary>
public sealed class AlgebraicSimplification : ITapePass
{
    private const int MaxConstantElementsInspected = 4096;

    /// <inheritdoc />
    public string Name => "algebraic_simplification";

    /// <inheritdoc />
    public Tape Run(Tape tape, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(context);
        var alias = new AliasAnalysis(tape);
        var frozen = context.Options.FrozenConstants;
        var rewriter = new TapeRewriter(tape);
        var specs = new Dictionary<int, TensorSpec>();
        foreach (var op in tape.Ops)
        {
            if (op is not CallOp original)
            {
                rewriter.Emit(op);
                for (int k = 0; k < op.OutputCount; k++) specs[op.Id + k] = op.OutputSpec(k);
                continue;
            }
            var call = rewriter.Remap(original);
            call = DropBroadcasts(call, rewriter, specs);
            if (alias.IsStable(call) && Simplify(call, rewriter, specs, frozen, alias) is { } result)
            {
                switch (result)
                {
                    case int replacement:
                        rewriter.Replace(call.Id, replacement);
                        rewriter.Drop();
                        context.Log(2, $"algebraic_simplification: {call} → %{replacement}");
                        break;
                    case CallOp rewritten:
                        rewriter.Emit(rewritten, changed: true);
                        specs[rewritten.Id] = rewritten.Spec;
                        context.Log(2, $"algebraic_simplification: {call} → {rewritten}");
                        break;
                }
                continue;
            }
            rewriter.Emit(call, !ReferenceEquals(call, original));
            for (int k = 0; k < call.OutputCount; k++) specs[call.Id + k] = call.OutputSpec(k);
        }
        return rewriter.Build();
    }

    /// <summary>An int (the value standing for the call), a rewritten call, or null.</summary>
    private static object? Simplify(CallOp call, TapeRewriter rewriter, Dictionary<int, TensorSpec> specs, ISet<Tensor> frozen, AliasAnalysis alias)
    {
        var p = call.Primitive;
        var args = call.Args;
        bool SameSpec(int x) => specs[x] == call.Spec;
        bool Is(int id, double v) => IsFilledWith(rewriter.DefinitionOf(id), v, frozen, alias);
        if (ReferenceEquals(p, ArithmeticPrimitives.Mul))
        {
            if (Is(args[1], 1) && SameSpec(args[0])) return args[0];
            if (Is(args[0], 1) && SameSpec(args[1])) return args[1];
        }
        else if (ReferenceEquals(p, ArithmeticPrimitives.Add))
        {
            if (Is(args[1], 0) && SameSpec(args[0])) return args[0];
            if (Is(args[0], 0) && SameSpec(args[1])) return args[1];
        }
        else if (ReferenceEquals(p, ArithmeticPrimitives.Sub))
        {
            if (Is(args[1], 0) && SameSpec(args[0])) return args[0];
        }
        else if (ReferenceEquals(p, ArithmeticPrimitives.Div))
        {
            if (Is(args[1], 1) && SameSpec(args[0])) return args[0];
        }
        else if (ReferenceEquals(p, ArithmeticPrimitives.Neg))
        {
            if (rewriter.DefinitionOf(args[0]) is CallOp inner && ReferenceEquals(inner.Primitive, ArithmeticPrimitives.Neg) && alias.IsStable(inner))
                return inner.Args[0];
        }
        else if (ReferenceEquals(p, ConversionPrimitives.Convert))
        {
            if (SameSpec(args[0])) return args[0];
        }
        else if (ReferenceEquals(p, ViewPrimitives.Reshape) || ReferenceEquals(p, ViewPrimitives.Expand))
        {
            if (SameSpec(args[0])) return args[0];
            if (rewriter.DefinitionOf(args[0]) is CallOp inner && ReferenceEquals(inner.Primitive, p) && alias.IsStable(inner))
                return specs[inner.Args[0]] == call.Spec ? inner.Args[0] : call with { Args = [inner.Args[0]] };
        }
        else if (ReferenceEquals(p, ViewPrimitives.Permute))
        {
            var dims = call.Attributes.Ints("dims");
            if (IsIdentity(dims)) return args[0];
            if (rewriter.DefinitionOf(args[0]) is CallOp inner && ReferenceEquals(inner.Primitive, p) && alias.IsStable(inner))
            {
                var first = inner.Attributes.Ints("dims");
                var composed = new int[dims.Length];
                for (int j = 0; j < dims.Length; j++) composed[j] = first[dims[j]];
                if (IsIdentity(composed)) return inner.Args[0];
                return call with { Args = [inner.Args[0]], Attributes = call.Attributes.With("dims", composed) };
            }
        }
        return null;
    }

    /// <summary>A broadcasting elementwise call reads the source of an expanded argument when that gives the same result spec.</summary>
    private static CallOp DropBroadcasts(CallOp call, TapeRewriter rewriter, Dictionary<int, TensorSpec> specs)
    {
        if (call.Primitive is not BinaryPrimitive) return call;
        for (int i = 0; i < call.Args.Length; i++)
        {
            if (rewriter.DefinitionOf(call.Args[i]) is not CallOp expand || !ReferenceEquals(expand.Primitive, ViewPrimitives.Expand)) continue;
            var args = (int[])call.Args.Clone();
            args[i] = expand.Args[0];
            TensorSpec[] inferred;
            try { inferred = call.Primitive.InferSpecs(Array.ConvertAll(args, a => specs[a]), call.Attributes); }
            catch (ArgumentException) { continue; }
            if (inferred.Length == 1 && inferred[0] == call.Spec) call = call with { Args = args };
        }
        return call;
    }

    private static bool IsIdentity(int[] dims)
    {
        for (int i = 0; i < dims.Length; i++)
            if (dims[i] != i) return false;
        return true;
    }

    private static bool IsFilledWith(TapeOp? op, double value, ISet<Tensor> frozen, AliasAnalysis alias)
    {
        if (op is not ConstantOp c || !alias.IsStable(c.Id) || !(c.Value.IsLiteral || frozen.Contains(c.Value))) return false;
        if (c.Value.Numel == 0 || c.Value.Numel > MaxConstantElementsInspected) return false;
        foreach (double v in c.Value.ToDoubleArray())
            if (v != value) return false;
        return true;
    }
}
