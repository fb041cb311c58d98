using Avalon.Autodiff;
using Avalon.Primitives;
using Avalon.Primitives.Linalg;
using Avalon.Primitives.Views;

namespace Avalon.Compiler.Passes;

/// <summary>
/// The <c>matmul_transpose</c> pass: a dense copy of a transposed matrix product,
/// <c>contiguous(transpose(matmul(a, b)))</c> (the transpose swapping the last two dims), becomes the
/// product of the transposed operands, <c>matmul(transpose(b), transpose(a))</c>, which the matmul kernel
/// writes densely in the transposed order: the copy disappears. A transposed operand that is itself a
/// permute is composed with it (a transpose of a transpose reads the original matrix), and the matmul
/// kernel reads the resulting row- or column-major views in place. This is the shape of every weight
/// gradient of a linear layer (<c>(xᵀ·g)ᵀ</c>, made dense for the optimiser). The rewrite applies only
/// when the product and the transpose have no other reader, are not returned, and their memory and the
/// operands' is not written in place between the product and the copy (<see cref="AliasAnalysis"/>).
/// Each output element is the same dot product over k in the same order (only the roles of rows and
/// columns swap), so the values are those of the copied product.
/// </summary>
public sealed class TransposedProductFolding : ITapePass
{
    /// <inheritdoc />
    public string Name => "matmul_transpose";

    /// <inheritdoc />
    public Tape Run(Tape tape, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(context);
        var ops = tape.Ops;
        var specs = new Dictionary<int, TensorSpec>();
        var index = new Dictionary<int, int>();
        var readers = new Dictionary<int, int>();
        for (int i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            for (int k = 0; k < op.OutputCount; k++) { specs[op.Id + k] = op.OutputSpec(k); index[op.Id + k] = i; }
            if (op is CallOp c)
                foreach (int a in c.Args) readers[a] = readers.GetValueOrDefault(a) + 1;
        }
        var outputs = new HashSet<int>(tape.Outputs);
        var alias = new AliasAnalysis(tape);

        // The copies to rewrite: copy id → the product it transposes.
        var folded = new Dictionary<int, CallOp>();
        var dropped = new HashSet<int>();
        foreach (var op in ops)
        {
            if (op is not CallOp copy || !ReferenceEquals(copy.Primitive, ViewPrimitives.Copy)) continue;
            if (!index.TryGetValue(copy.Args[0], out int ti) || ops[ti] is not CallOp transpose || transpose.Id != copy.Args[0]) continue;
            if (!IsLastTwoSwap(transpose)) continue;
            if (!index.TryGetValue(transpose.Args[0], out int mi) || ops[mi] is not CallOp product || product.Id != transpose.Args[0]) continue;
            if (!ReferenceEquals(product.Primitive, MatMulPrimitives.MatMul)) continue;
            if (readers.GetValueOrDefault(product.Id) != 1 || readers.GetValueOrDefault(transpose.Id) != 1) continue;
            if (outputs.Contains(product.Id) || outputs.Contains(transpose.Id)) continue;
            if (!alias.IsStable(product) || !alias.IsStable(transpose) || !alias.IsStable(copy)) continue;
            // The product moves to the copy's position: its operands must hold the same values there.
            if (product.Args.Any(a => alias.IsWrittenBetween(a, mi, index[copy.Id]))) continue;
            folded[copy.Id] = product;
            dropped.Add(product.Id);
            dropped.Add(transpose.Id);
        }
        if (folded.Count == 0) return tape;

        var rewriter = new TapeRewriter(tape);
        foreach (var op in ops)
        {
            if (op is not CallOp original)
            {
                rewriter.Emit(op);
                continue;
            }
            if (dropped.Contains(original.Id))
            {
                rewriter.Drop();
                continue;
            }
            var call = rewriter.Remap(original);
            if (!folded.TryGetValue(call.Id, out var product))
            {
                rewriter.Emit(call, !ReferenceEquals(call, original));
                continue;
            }
            int a = rewriter.Resolve(product.Args[0]), b = rewriter.Resolve(product.Args[1]);
            int bt = Transposed(b, rewriter, specs, alias), at = Transposed(a, rewriter, specs, alias);
            var rewritten = new CallOp(call.Id, call.Spec, MatMulPrimitives.MatMul, Attributes.Empty, [bt, at]);
            rewriter.Emit(rewritten, changed: true);
            context.Log(2, $"{Name}: {call} of {product} → {rewritten}");
        }
        var result = rewriter.Build();
        context.Log(1, $"{Name}: {folded.Count} transposed product(s) computed in the transposed order");
        return result;
    }

    // The value standing for the transpose (last two dims swapped) of `id`: the base of a permute that the
    // transpose cancels, a composed permute of that base, or a new permute of `id`.
    private static int Transposed(int id, TapeRewriter rewriter, Dictionary<int, TensorSpec> specs, AliasAnalysis alias)
    {
        var swap = LastTwoSwap(specs[id].Shape.Rank);
        int source = id;
        var dims = swap;
        if (rewriter.DefinitionOf(id) is CallOp inner && ReferenceEquals(inner.Primitive, ViewPrimitives.Permute) && alias.IsStable(inner))
        {
            var first = inner.Attributes.Ints("dims");
            var composed = new int[swap.Length];
            for (int j = 0; j < swap.Length; j++) composed[j] = first[swap[j]];
            source = inner.Args[0];
            dims = composed;
        }
        if (IsIdentity(dims)) return source;
        var shape = specs[source].Shape.Dims;
        var permuted = new int[dims.Length];
        for (int j = 0; j < dims.Length; j++) permuted[j] = shape[dims[j]];
        int fresh = rewriter.FreshId();
        var spec = specs[source] with { Shape = Shape.Wrap(permuted) };
        rewriter.Emit(new CallOp(fresh, spec, ViewPrimitives.Permute, Attributes.Of(("dims", dims)), [source]), changed: true);
        specs[fresh] = spec;
        return fresh;
    }

    private static bool IsLastTwoSwap(CallOp call)
    {
        if (!ReferenceEquals(call.Primitive, ViewPrimitives.Permute)) return false;
        var dims = call.Attributes.Ints("dims");
        return dims.Length >= 2 && dims.AsSpan().SequenceEqual(LastTwoSwap(dims.Length));
    }

    private static int[] LastTwoSwap(int rank)
    {
        var dims = new int[rank];
        for (int j = 0; j < rank; j++) dims[j] = j;
        (dims[rank - 1], dims[rank - 2]) = (rank - 2, rank - 1);
        return dims;
    }

    private static bool IsIdentity(int[] dims)
    {
        for (int i = 0; i < dims.Length; i++)
            if (dims[i] != i) return false;
        return true;
    }
}
