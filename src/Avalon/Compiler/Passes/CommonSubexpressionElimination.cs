using Avalon.Autodiff;
using Avalon.Primitives;

namespace Avalon.Compiler.Passes;

/// <summary>
/// Computes each value once: a call of a pure primitive (or a view) with the same primitive,
/// attributes (compared by value) and arguments as an earlier call is replaced by that call's values;
/// literal constants (numbers written in the code) of the same dtype, shape and value are merged, and
/// so are constants of one captured tensor. Random calls and in-place calls are never merged, nor
/// calls that read or define memory the tape writes in place (<see cref="AliasAnalysis"/>).
/// </summary>
public sealed class CommonSubexpressionElimination : ITapePass
{
    /// <inheritdoc />
    public string Name => "common_subexpressions";

    /// <inheritdoc />
    public Tape Run(Tape tape, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(tape);
        var alias = new AliasAnalysis(tape);
        var rewriter = new TapeRewriter(tape);
        var calls = new Dictionary<CallKey, CallOp>();
        var literals = new Dictionary<(DType, Shape, Device, long), int>();
        var captured = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        foreach (var op in tape.Ops)
        {
            switch (op)
            {
                case ConstantOp c when alias.IsStable(c.Id):
                    int earlier;
                    if (captured.TryGetValue(c.Value, out earlier)
                        || c.Value.IsLiteral && c.Value.Numel == 1 && literals.TryGetValue(LiteralKey(c), out earlier))
                    {
                        rewriter.Replace(c.Id, earlier);
                        rewriter.Drop();
                        break;
                    }
                    captured[c.Value] = c.Id;
                    if (c.Value.IsLiteral && c.Value.Numel == 1) literals[LiteralKey(c)] = c.Id;
                    rewriter.Emit(c);
                    break;
                case CallOp original:
                    var call = rewriter.Remap(original);
                    bool mergeable = (call.Primitive.Effects.IsPure || call.Primitive is ViewPrimitive) && alias.IsStable(call);
                    if (mergeable)
                    {
                        var key = new CallKey(call.Primitive, call.Attributes, call.Args);
                        if (calls.TryGetValue(key, out var first) && first.OutputCount == call.OutputCount)
                        {
                            for (int k = 0; k < call.OutputCount; k++) rewriter.Replace(call.Id + k, first.Id + k);
                            rewriter.Drop();
                            break;
                        }
                        calls[key] = call;
                    }
                    rewriter.Emit(call, !ReferenceEquals(call, original));
                    break;
                default:
                    rewriter.Emit(op);
                    break;
            }
        }
        return rewriter.Build();
    }

    private static (DType, Shape, Device, long) LiteralKey(ConstantOp c) =>
        (c.Spec.DType, c.Spec.Shape, c.Spec.Device, BitConverter.DoubleToInt64Bits(c.Value.ToDoubleArray()[0]));

    private sealed class CallKey(Primitive primitive, Attributes attributes, int[] args) : IEquatable<CallKey>
    {
        private readonly int _hash = HashArgs(primitive, attributes, args);

        public bool Equals(CallKey? other) =>
            other is not null && ReferenceEquals(primitive, other.Primitive) && attributes.Equals(other.Attributes) && args.AsSpan().SequenceEqual(other.Args);

        private Primitive Primitive => primitive;

        private Attributes Attributes => attributes;

        private int[] Args => args;

        public override bool Equals(object? obj) => Equals(obj as CallKey);

        public override int GetHashCode() => _hash;

        private static int HashArgs(Primitive primitive, Attributes attributes, int[] args)
        {
            var h = new HashCode();
            h.Add(primitive);
            h.Add(attributes);
            foreach (int a in args) h.Add(a);
            return h.ToHashCode();
        }
    }
}
