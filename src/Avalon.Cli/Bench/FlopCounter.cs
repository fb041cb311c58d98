using Avalon.Autodiff;
using Avalon.Primitives;

namespace Avalon.Cli.Bench;

/// <summary>
/// Counts the floating-point operations of a tape from its calls' shapes (a multiply-add is two
/// operations), so a step's time can be set against the work it does. The formula per primitive:
/// <list type="bullet">
/// <item><c>matmul</c>: 2·|out|·K, K the input's last dimension (batched and broadcast products included).</item>
/// <item><c>conv</c>: 2·|out|·(C_in/groups)·∏kernel, plus |out| with a bias; <c>conv_backward_input</c>:
/// 2·|grad_output|·(C_in/groups)·∏kernel; <c>conv_backward_weight</c>: 2·|grad_output|·(C_in/groups)·∏kernel;
/// <c>conv_transpose</c>: 2·|input|·(C_out/groups)·∏kernel, plus |out| with a bias.</item>
/// <item>elementwise arithmetic, activations, comparisons and selections: 1 per output element
/// (transcendentals too).</item>
/// <item>reductions (sum, prod, max/min, arg-max/min, any/all): 1 per input element; var/std and
/// logsumexp: 3; softmax and log_softmax: 4 (max, subtract, exp and sum, normalise).</item>
/// <item>pooling: |out|·∏kernel (max and average); pooling backward: 1 per gradient element.</item>
/// <item>fused optimiser updates: per parameter element, Adam 12, RMSprop 6, Adagrad 6, SGD 2 (4 with momentum).</item>
/// <item>data movement (views, copies, casts, concatenation, indexing, padding, random draws): 0.</item>
/// </list>
/// Any other primitive counts 0 and is listed in <see cref="FlopCount.Uncounted"/>, so a total that
/// misses work says so.
/// </summary>
internal static class FlopCounter
{
    private static readonly HashSet<string> Elementwise =
    [
        "abs", "add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_", "neg", "reciprocal", "relu", "sigmoid", "tanh",
        "exp", "log", "log1p", "expm1", "sqrt", "rsqrt", "square", "sin", "cos", "erf", "pow", "pow_scalar", "sign",
        "clamp", "clamp_", "maximum", "minimum", "where", "eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or",
        "logical_xor", "logical_not", "isfinite", "isinf", "isnan", "equal_mask", "masked_fill_", "dropout",
    ];

    private static readonly HashSet<string> Reductions =
        ["sum", "prod", "amax", "amin", "argmax", "argmin", "max_dim", "min_dim", "all", "any", "count_nonzero"];

    private static readonly HashSet<string> Movement =
    [
        "reshape", "permute", "expand", "slice", "diagonal", "split", "unbind", "detach", "contiguous", "copy_", "convert",
        "to_device", "cat", "index_select", "gather", "scatter", "scatter_add", "index_add", "index_add_", "embedding",
        "embedding_backward", "flip", "roll", "tril", "triu", "constant_pad_nd", "reflection_pad", "replication_pad",
        "circular_pad", "reflection_pad_backward", "replication_pad_backward", "circular_pad_backward", "one_hot",
        "rand", "randn", "randint", "bernoulli", "slice_backward", "diagonal_backward", "max_pool_gather", "sort", "topk",
    ];

    /// <summary>Counts every call of <paramref name="tape"/>.</summary>
    public static FlopCount Count(Tape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        var specs = new Dictionary<int, TensorSpec>();
        foreach (TapeOp op in tape.Ops)
            for (int k = 0; k < op.OutputCount; k++) specs[op.Id + k] = op.OutputSpec(k);
        var byPrimitive = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var uncounted = new SortedSet<string>(StringComparer.Ordinal);
        double total = 0;
        foreach (TapeOp op in tape.Ops)
        {
            if (op is not CallOp call) continue;
            var inputs = new TensorSpec[call.Args.Length];
            for (int i = 0; i < inputs.Length; i++) inputs[i] = specs[call.Args[i]];
            double? flops = OfCall(call.Primitive.Name, call.Attributes, inputs, call.Spec);
            if (flops is not { } f)
            {
                uncounted.Add(call.Primitive.Name);
                continue;
            }
            total += f;
            byPrimitive[call.Primitive.Name] = byPrimitive.GetValueOrDefault(call.Primitive.Name) + f;
        }
        return new FlopCount(total, byPrimitive, uncounted);
    }

    /// <summary>The operations of one call by the formula above; null for a primitive it does not know.</summary>
    public static double? OfCall(string primitive, Attributes attributes, IReadOnlyList<TensorSpec> inputs, TensorSpec output)
    {
        double outCount = output.Shape.Numel;
        double In(int i) => inputs[i].Shape.Numel;
        // ∏ of dimensions 1.. of a weight: (C_in/groups)·∏kernel for conv, (C_out/groups)·∏kernel for conv_transpose.
        double PerOutput(TensorSpec weight)
        {
            double p = 1;
            for (int d = 1; d < weight.Shape.Rank; d++) p *= weight.Shape[d];
            return p;
        }
        double KernelVolume(string name)
        {
            double v = 1;
            foreach (int k in attributes.Ints(name)) v *= k;
            return v;
        }
        switch (primitive)
        {
            case "matmul":
                return 2 * outCount * (inputs[0].Shape.Rank == 0 ? 1 : inputs[0].Shape[^1]);
            case "conv":
                return 2 * outCount * PerOutput(inputs[1]) + (inputs.Count > 2 ? outCount : 0);
            case "conv_transpose":
                return 2 * In(0) * PerOutput(inputs[1]) + (inputs.Count > 2 ? outCount : 0);
            case "conv_backward_input":
                return 2 * In(0) * PerOutput(inputs[1]);
            case "conv_backward_weight":
                return 2 * In(1) * PerOutput(output);
            case "softmax" or "log_softmax":
                return 4 * In(0);
            case "var" or "std" or "logsumexp":
                return 3 * In(0);
            case "max_pool" or "max_pool_with_indices" or "avg_pool":
                return outCount * KernelVolume("kernel_size");
            case "max_pool_backward" or "avg_pool_backward" or "adaptive_avg_pool_backward":
                return In(0);
            case "adaptive_avg_pool" or "adaptive_max_pool_with_indices":
                return In(0);
            case "adam_update_" or "adam_amsgrad_update_":
                return 12 * In(0);
            case "rmsprop_update_" or "rmsprop_momentum_update_" or "rmsprop_centered_update_" or "rmsprop_centered_momentum_update_"
                or "adagrad_update_":
                return 6 * In(0);
            case "sgd_update_":
                return 2 * In(0);
            case "sgd_momentum_update_":
                return 4 * In(0);
        }
        if (Elementwise.Contains(primitive)) return outCount;
        if (Reductions.Contains(primitive)) return In(0);
        if (Movement.Contains(primitive)) return 0;
        return null;
    }
}

/// <summary>The result of <see cref="FlopCounter.Count"/>: the total, the share of each primitive, and the primitives counted as 0 for want of a formula.</summary>
internal sealed record FlopCount(double Total, IReadOnlyDictionary<string, double> ByPrimitive, IReadOnlyCollection<string> Uncounted);
