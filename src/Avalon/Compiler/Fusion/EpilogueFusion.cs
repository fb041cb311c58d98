using Avalon.Compiler.CodeGen;
using System.Diagnostics;
using Avalon.Autodiff;
using Avalon.Primitives;
using Avalon.Primitives.Convolution;
using Avalon.Primitives.Linalg;

namespace Avalon.Compiler.Fusion;

/// <summary>
/// The <c>epilogue_fusion</c> pass, run after <see cref="ElementwiseFusion"/>: a <c>matmul</c> or
/// <c>conv</c> call (linear's product, a convolution with its bias) whose result is read only by one fused
/// elementwise call of the same shape and dtype (a bias add and an activation), or by one elementwise call
/// that fusion left on its own (an activation whose output the backward calls read), becomes one
/// <see cref="FusedEpiloguePrimitive"/> call that applies the epilogue to the product in place, right
/// after computing it. A product that the tape returns or that anything else reads is left alone, and so is
/// one whose arguments an in-place call writes before the epilogue (where the fused call runs).
/// </summary>
public sealed class EpilogueFusion : ITapePass
{
    /// <inheritdoc />
    public string Name => "epilogue_fusion";

    /// <inheritdoc />
    public Tape Run(Tape tape, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(context);
        var timer = Stopwatch.StartNew();
        var users = new Dictionary<int, List<CallOp>>();
        foreach (var op in tape.Ops.OfType<CallOp>())
            foreach (int a in op.Args.Distinct())
            {
                if (!users.TryGetValue(a, out var list)) users[a] = list = [];
                list.Add(op);
            }
        var outputs = new HashSet<int>(tape.Outputs);
        var specs = new Dictionary<int, TensorSpec>();
        foreach (var op in tape.Ops)
            for (int k = 0; k < op.OutputCount; k++) specs[op.Id + k] = op.OutputSpec(k);
        var alias = new AliasAnalysis(tape);
        var position = new Dictionary<int, int>();
        for (int i = 0; i < tape.Ops.Count; i++) position[tape.Ops[i].Id] = i;
        var taken = new HashSet<int>();
        var pairs = new List<(CallOp Producer, CallOp Epilogue, FusedExpression Expression, int[] Args)>();
        foreach (var producer in tape.Ops.OfType<CallOp>())
        {
            if (!IsProducer(producer) || outputs.Contains(producer.Id)) continue;
            if (!users.TryGetValue(producer.Id, out var readers) || readers.Count != 1) continue;
            var epilogue = readers[0];
            if (epilogue.Spec != producer.Spec) continue;
            // The fused call runs the product where the epilogue is: its arguments must not be written in between.
            if (producer.Args.Any(a => alias.IsWrittenBetween(a, position[producer.Id], position[epilogue.Id]))) continue;
            // The epilogue: a fused elementwise call, or a single elementwise call (an activation whose
            // output the backward calls read, which therefore stayed out of any group).
            FusedExpression expression;
            int[] args;
            if (epilogue.Primitive is FusedElementwisePrimitive fused) (expression, args) = (fused.Expression, epilogue.Args);
            else if (FusibleOps.TryGet(epilogue, out var op) && !FusedOpInfo.YieldsMask(op) && FusibleOps.Fits(epilogue, op, producer.Spec.DType, id => specs[id]))
                (expression, args) = ElementwiseFusion.BuildExpression([epilogue], specs);
            else continue;
            int productInput = Array.IndexOf(args, producer.Id);
            if (productInput < 0 || Array.LastIndexOf(args, producer.Id) != productInput || expression.InputIsMask(productInput)) continue;
            // An epilogue reading two products (the sum of two backward products) takes the first.
            if (!taken.Add(epilogue.Id)) continue;
            pairs.Add((producer, epilogue, expression, args));
        }
        if (pairs.Count == 0)
        {
            context.Log(1, $"{Name}: nothing to fuse ({timer.Elapsed.TotalMilliseconds:F1} ms)");
            return tape;
        }
        var builder = new TapeBuilder(tape);
        // An earlier pair's epilogue may be read by a later pair (a backward product of a fused
        // activation gradient): its arguments name the new call from then on.
        var renamed = new Dictionary<int, int>();
        int Current(int id) => renamed.GetValueOrDefault(id, id);
        foreach (var (producer, epilogue, expression, epilogueArgs) in pairs)
        {
            int productInput = Array.IndexOf(epilogueArgs, producer.Id);
            var primitive = new FusedEpiloguePrimitive(producer.Primitive, producer.Attributes, producer.Args.Length, expression, productInput);
            var args = producer.Args.Concat(epilogueArgs.Where((_, i) => i != productInput)).Select(Current).ToArray();
            int id = builder.FreshId();
            renamed[epilogue.Id] = id;
            var attributes = Attributes.Of(("expr", expression.ToString()));
            builder.Insert(builder.IndexOf(epilogue.Id), new CallOp(id, epilogue.Spec, primitive, attributes, args));
            builder.ReplaceAllUses(epilogue.Id, id);
            builder.Remove(epilogue.Id);
            builder.Remove(producer.Id);
            if (context.Options.DebugLevel >= 3) LogKernel(context, tape, primitive, epilogue.Spec, epilogueArgs);
        }
        var result = builder.Build();
        result.Validate();
        context.Log(1, $"{Name}: {pairs.Count} products take their epilogues; {tape.Ops.Count} → {result.Ops.Count} ops ({timer.Elapsed.TotalMilliseconds:F1} ms)");
        return result;
    }

    /// <summary>At debug level 3: the epilogue's generated kernel for the recorded layouts (the product's buffer and the epilogue's other operands).</summary>
    private void LogKernel(PassContext context, Tape tape, FusedEpiloguePrimitive primitive, TensorSpec spec, int[] epilogueArgs)
    {
        // The recorded values where the tape has them; dense stand-ins of the right shape where an earlier
        // pass made the value (the executor's buffers are dense too).
        bool recorded = epilogueArgs.All(id => tape.ValueOf(id) is not null);
        var values = epilogueArgs.Select(id => tape.ValueOf(id) ?? StandIn(tape, id)).ToArray();
        string what = $"{Name}: {primitive.Producer.Name} then {primitive.Epilogue}";
        var kernel = FusedKernelCache.Get(primitive.Epilogue, FusedLayout.Of(values, spec.Shape.Dims, primitive.Epilogue.ElementType), VectorWidths.Best);
        context.Log(3, $"{what}: epilogue generated in {kernel.CompileTime.TotalMilliseconds:F1} ms for {(recorded ? "the recorded layout" : "dense operands")}:");
        context.Log(3, kernel.Dump());
    }

    private static Tensor StandIn(Tape tape, int id)
    {
        var op = tape[id];
        var valueSpec = op.OutputSpec(id - op.Id);
        return Tensor.Zeros(valueSpec.Shape.ToArray(), valueSpec.DType);
    }

    private static bool IsProducer(CallOp call) =>
        (ReferenceEquals(call.Primitive, MatMulPrimitives.MatMul) || ReferenceEquals(call.Primitive, ConvolutionPrimitives.Conv))
        && call.OutputCount == 1 && call.Spec.Device.Type == DeviceType.Cpu && call.Spec.DType is DType.Float32 or DType.Float64;
}
