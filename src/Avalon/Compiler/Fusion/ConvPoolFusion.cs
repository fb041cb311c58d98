using System.Diagnostics;
using Avalon.Autodiff;
using Avalon.Backends.Cpu.Pooling;
using Avalon.Primitives;
using Avalon.Primitives.Convolution;
using Avalon.Primitives.Pooling;

namespace Avalon.Compiler.Fusion;

/// <summary>
/// The <c>pool_fusion</c> pass, run after <see cref="EpilogueFusion"/>: a <c>max_pool</c> or
/// <c>max_pool_with_indices</c> call whose input is a convolution (a plain <c>conv</c>, or a
/// <c>conv_epilogue</c> whose epilogue reads the product alone, such as its activation) that nothing else
/// reads becomes one <see cref="FusedConvPoolPrimitive"/> call: the product is pooled slice by slice while
/// it is in cache and never stored whole. In a train step this applies once <c>pool_mask</c> has taken the
/// activation's gradient mask on the pooled values, since then the backward calls no longer read the
/// full-size activation.
/// </summary>
/// <remarks>
/// Left alone: a product the tape returns or that another call reads, windows that do not tile the product
/// (a stride other than the kernel, padding, dilation; see <see cref="MaxPoolTiled"/>), devices other
/// than the CPU, dtypes other than float32 and float64, and a convolution whose arguments an in-place call
/// writes between it and the pooling (where the fused call runs).
/// </remarks>
public sealed class ConvPoolFusion : ITapePass
{
    /// <inheritdoc />
    public string Name => "pool_fusion";

    /// <inheritdoc />
    public Tape Run(Tape tape, PassContext context)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(context);
        var timer = Stopwatch.StartNew();
        var ops = tape.Ops;
        var definition = new Dictionary<int, CallOp>();
        var index = new Dictionary<int, int>();
        var readers = new Dictionary<int, int>();
        for (int i = 0; i < ops.Count; i++)
        {
            index[ops[i].Id] = i;
            if (ops[i] is not CallOp c) continue;
            definition[c.Id] = c;
            foreach (int a in c.Args) readers[a] = readers.GetValueOrDefault(a) + 1;
        }
        var outputs = new HashSet<int>(tape.Outputs);
        var alias = new AliasAnalysis(tape);

        // pooling call id → (the convolution it reads, the fused primitive).
        var matches = new Dictionary<int, (CallOp Conv, FusedConvPoolPrimitive Primitive)>();
        var fusedConvs = new HashSet<int>();
        foreach (var op in ops)
        {
            if (op is not CallOp pool || pool.Args.Length != 1) continue;
            bool withIndices = ReferenceEquals(pool.Primitive, PoolingPrimitives.MaxPoolWithIndices);
            if (!withIndices && !ReferenceEquals(pool.Primitive, PoolingPrimitives.MaxPool)) continue;
            if (!definition.TryGetValue(pool.Args[0], out var conv) || conv.OutputCount != 1) continue;
            if (readers.GetValueOrDefault(conv.Id) != 1 || outputs.Contains(conv.Id)) continue;
            if (conv.Spec.Device.Type != DeviceType.Cpu || conv.Spec.DType is not (DType.Float32 or DType.Float64)) continue;
            if (!TryConvolution(conv, out var convAttributes, out int arity, out var epilogue)) continue;
            if (!MaxPoolTiled.Applies(PoolAttributes.Max(conv.Spec.Shape, pool.Attributes))) continue;
            if (conv.Args.Any(a => alias.IsWrittenBetween(a, index[conv.Id], index[pool.Id]))) continue;
            matches[pool.Id] = (conv, new FusedConvPoolPrimitive(convAttributes, arity, epilogue, pool.Attributes, withIndices));
            fusedConvs.Add(conv.Id);
        }
        if (matches.Count == 0)
        {
            context.Log(1, $"{Name}: nothing to fuse ({timer.Elapsed.TotalMilliseconds:F1} ms)");
            return tape;
        }

        var rewriter = new TapeRewriter(tape);
        foreach (var op in ops)
        {
            if (fusedConvs.Contains(op.Id))
            {
                rewriter.Drop();
                continue;
            }
            if (op is not CallOp original || !matches.TryGetValue(original.Id, out var m))
            {
                var remapped = op is CallOp call ? rewriter.Remap(call) : op;
                rewriter.Emit(remapped, !ReferenceEquals(remapped, op));
                continue;
            }
            var attributes = m.Primitive.Epilogue is { } e
                ? Attributes.Of(("expr", e.ToString()), ("pool", original.Attributes.ToString()))
                : Attributes.Of(("pool", original.Attributes.ToString()));
            var fused = new CallOp(original.Id, original.Spec, m.Primitive, attributes, [.. m.Conv.Args.Select(rewriter.Resolve)])
            {
                OutputSpecs = original.OutputSpecs,
            };
            rewriter.Emit(fused, changed: true);
            context.Log(2, $"{Name}: {m.Conv}; {original} → {fused}");
        }
        var result = rewriter.Build();
        result.Validate();
        context.Log(1, $"{Name}: {matches.Count} pooling(s) take their convolution; {tape.Ops.Count} → {result.Ops.Count} ops ({timer.Elapsed.TotalMilliseconds:F1} ms)");
        return result;
    }

    // A conv call, or a conv epilogue that reads nothing but the product: its attributes, arity and epilogue.
    private static bool TryConvolution(CallOp call, out Attributes attributes, out int arity, out FusedExpression? epilogue)
    {
        (attributes, arity, epilogue) = (call.Attributes, call.Args.Length, null);
        if (ReferenceEquals(call.Primitive, ConvolutionPrimitives.Conv)) return arity is 2 or 3;
        if (call.Primitive is not FusedEpiloguePrimitive fused || !ReferenceEquals(fused.Producer, ConvolutionPrimitives.Conv)) return false;
        if (fused.Epilogue.InputCount != 1 || fused.ProducerArity != call.Args.Length) return false;
        (attributes, arity, epilogue) = (fused.ProducerAttributes, fused.ProducerArity, fused.Epilogue);
        return arity is 2 or 3;
    }
}
