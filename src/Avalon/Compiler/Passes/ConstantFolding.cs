using Avalon.Autodiff;
using Avalon.Primitives;

namespace Avalon.Compiler.Passes;

/// <summary>
/// Evaluates at compile time the calls whose arguments are all foldable constants, replacing them by
/// constants holding the result.
/// </summary>
/// <remarks>
/// The rule: a constant is foldable when no call of the tape writes into its memory and either it is a
/// <em>literal</em> (a number written in the code, such as the <c>2</c> of <c>x * 2</c>, or the seed
/// gradient of a traced loss: tensors no code can reach to change) or the caller declared it frozen in
/// <see cref="CompileOptions.FrozenConstants"/>. Other captured tensors (parameters captured as
/// constants, running statistics, anything the caller may change between runs) are never folded: the
/// compiled tape reads them when it runs, as a replay does. Only pure calls and views are folded, only
/// when the results hold at most <see cref="CompileOptions.ConstantFoldingLimit"/> elements and no call
/// writes into them in place (a folded result would carry such a write into the next run), and the
/// results are themselves foldable, so folding chains. A call whose kernel rejects its constants is left
/// as it is (it will raise when run, as the eager code does).
/// </remarks>
public sealed class ConstantFolding : ITapePass
{
    /// <inheritdoc />
    public string Name => "constant_folding";

    /// <inheritdoc />
    public Tape Run(Tape tape, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(context);
        var alias = new AliasAnalysis(tape);
        var frozen = context.Options.FrozenConstants;
        var rewriter = new TapeRewriter(tape);
        var values = new Dictionary<int, Tensor>();
        foreach (var op in tape.Ops)
        {
            switch (op)
            {
                case ConstantOp c:
                    if (alias.IsStable(c.Id) && (c.Value.IsLiteral || frozen.Contains(c.Value))) values[c.Id] = c.Value;
                    rewriter.Emit(c);
                    break;
                case CallOp original:
                    var call = rewriter.Remap(original);
                    // A result the tape later writes into in place must stay a fresh buffer of each run: folded,
                    // the write would land in the constant and carry over into the next run.
                    var folded = ResultsAreStable(original, alias) ? TryFold(call, values, context.Options.ConstantFoldingLimit) : null;
                    if (folded is null)
                    {
                        rewriter.Emit(call, !ReferenceEquals(call, original));
                        break;
                    }
                    for (int k = 0; k < folded.Length; k++)
                    {
                        folded[k].IsLiteral = true;
                        values[call.Id + k] = folded[k];
                        rewriter.Emit(new ConstantOp(call.Id + k, call.OutputSpec(k), folded[k]), changed: true);
                    }
                    context.Log(2, $"constant_folding: folded {call}");
                    break;
                default:
                    rewriter.Emit(op);
                    break;
            }
        }
        return rewriter.Build();
    }

    private static bool ResultsAreStable(CallOp call, AliasAnalysis alias)
    {
        for (int k = 0; k < call.OutputCount; k++)
            if (!alias.IsStable(call.Id + k)) return false;
        return true;
    }

    private static Tensor[]? TryFold(CallOp call, Dictionary<int, Tensor> values, int limit)
    {
        var primitive = call.Primitive;
        if (!(primitive.Effects.IsPure || primitive is ViewPrimitive) || call.Args.Length == 0) return null;
        long elements = 0;
        for (int k = 0; k < call.OutputCount; k++) elements += call.OutputSpec(k).Shape.Numel;
        if (elements > limit) return null;
        var args = new Tensor[call.Args.Length];
        for (int i = 0; i < args.Length; i++)
            if (!values.TryGetValue(call.Args[i], out args[i]!)) return null;
        if (!primitive.HasKernel(args[0].Device.Type) && primitive is not ViewPrimitive)
        {
            try { primitive.KernelFor(args[0].Device); }
            catch (NotSupportedException) { return null; }
        }
        try
        {
            var attributes = primitive.ValidateAttributes(call.Attributes);
            var specs = new TensorSpec[call.OutputCount];
            for (int k = 0; k < specs.Length; k++) specs[k] = call.OutputSpec(k);
            var results = primitive.Execute(args, attributes, specs);
            // A view of a constant becomes a constant of its own: nothing then ties it to the viewed tensor.
            for (int k = 0; k < results.Length; k++) results[k] = results[k].ContiguousCopy();
            return results;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }
    }
}
