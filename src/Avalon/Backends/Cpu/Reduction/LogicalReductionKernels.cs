using System.Numerics;
using System.Runtime.InteropServices;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Reduction;

/// <summary>
/// all / any (bool results) and count_nonzero (int64 results) over the <c>dims</c> attribute, for every
/// dtype: an element counts as true when it is not zero (NaN is true, −0.0 is false), as in PyTorch.
/// </summary>
internal static class LogicalReductionKernels
{
    /// <summary>all: true when every element of the group is nonzero (true for an empty group).</summary>
    public static readonly Kernel All = (inputs, a, outputs) => Run(inputs[0], a, outputs[0], Mode.All);

    /// <summary>any: true when some element of the group is nonzero (false for an empty group).</summary>
    public static readonly Kernel Any = (inputs, a, outputs) => Run(inputs[0], a, outputs[0], Mode.Any);

    /// <summary>count_nonzero: the number of nonzero elements of the group.</summary>
    public static readonly Kernel CountNonzero = (inputs, a, outputs) => Run(inputs[0], a, outputs[0], Mode.Count);

    private enum Mode { All, Any, Count }

    // Writes every element of output (one per group).
    private static void Run(Tensor x, Attributes a, Tensor output, Mode mode)
    {
        var plan = ReductionLayout.Plan(x, a.Ints("dims"));
        var counts = new long[plan.Outer * plan.Inner];
        // Deliberately specialised (not DTypeDispatch's visitor): bool is counted through its bytes.
        switch (x.DType)
        {
            case DType.Float32: Count<float>(plan, plan.Dense.CpuSpan<float>(), counts); break;
            case DType.Float64: Count<double>(plan, plan.Dense.CpuSpan<double>(), counts); break;
            case DType.Int32: Count<int>(plan, plan.Dense.CpuSpan<int>(), counts); break;
            case DType.Int64: Count<long>(plan, plan.Dense.CpuSpan<long>(), counts); break;
            case DType.Bool: Count<byte>(plan, MemoryMarshal.AsBytes(plan.Dense.CpuSpan<bool>()), counts); break;
            default: throw DTypeDispatch.Unsupported(mode == Mode.Count ? "count_nonzero" : mode.ToString().ToLowerInvariant(), x.DType, DTypeDispatch.AllTypes);
        }
        if (mode == Mode.Count)
        {
            counts.CopyTo(output.ContiguousSpan<long>());
            return;
        }
        var dst = output.ContiguousSpan<bool>();
        for (int i = 0; i < counts.Length; i++) dst[i] = mode == Mode.All ? counts[i] == plan.Length : counts[i] > 0;
    }

    // counts[o * inner + i] = number of nonzero elements among (o, 0..n, i); reads memory in order.
    private static void Count<T>(ReductionPlan plan, ReadOnlySpan<T> storage, long[] counts) where T : unmanaged, INumberBase<T>
    {
        var src = storage.Slice(plan.Dense.Offset);
        int n = plan.Length, inner = plan.Inner;
        for (int o = 0; o < plan.Outer; o++)
        {
            var acc = counts.AsSpan(o * inner, inner);
            for (int r = 0; r < n; r++)
            {
                var row = src.Slice((o * n + r) * inner, inner);
                for (int i = 0; i < inner; i++) if (row[i] != T.Zero) acc[i]++;
            }
        }
    }
}
