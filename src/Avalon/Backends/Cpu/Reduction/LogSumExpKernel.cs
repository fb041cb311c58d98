using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Reduction;

/// <summary>
/// logsumexp over the <c>dims</c> attribute, shifted by the group maximum so no exp overflows:
/// m + log(Σ exp(x − m)). An infinite maximum is not subtracted (so all −∞ gives −∞, any +∞ gives +∞),
/// an empty group gives −∞ and NaN propagates, as in PyTorch.
/// </summary>
internal static class LogSumExpKernel
{
    /// <summary>The kernel.</summary>
    public static readonly Kernel Run = (inputs, a, outputs) =>
    {
        var visitor = new Visitor(inputs[0], a.SharedInts("dims"), outputs[0]);
        DTypeDispatch.Floating(inputs[0].DType, ref visitor, "logsumexp");
    };

    private readonly struct Visitor(Tensor x, int[] dims, Tensor output) : IFloatingVisitor
    {
        public void Visit<T>() where T : unmanaged, IFloatingPointIeee754<T> => Compute<T>(x, dims, output);
    }

    // Writes every element of output.
    private static void Compute<T>(Tensor x, int[] dims, Tensor output) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var plan = ReductionLayout.Plan(x, dims);
        if (plan.Outer * plan.Inner == 0) return;
        if (plan.Length == 0)
        {
            output.ContiguousSpan<T>().Fill(T.NegativeInfinity);
            return;
        }
        ReductionParallel.For(plan, (plan, output), static (s, block) => Block<T>(s.plan, s.output, block));
    }

    private static void Block<T>(ReductionPlan plan, Tensor output, ReductionBlock block) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> src = plan.Dense.CpuSpan<T>().Slice(plan.Dense.Offset);
        var dst = output.ContiguousSpan<T>();
        int n = plan.Length, inner = plan.Inner;
        if (inner == 1)
        {
            var tmp = new T[n];
            for (int o = block.O0; o < block.O1; o++)
            {
                var row = src.Slice(o * n, n);
                T shift = Shift(TensorPrimitives.Max(row));
                TensorPrimitives.Subtract(row, shift, tmp);
                TensorPrimitives.Exp<T>(tmp, tmp);
                dst[o] = T.Log(TensorPrimitives.Sum<T>(tmp)) + shift;
            }
            return;
        }
        int width = block.I1 - block.I0;
        var shiftRow = new T[width];
        var sum = new T[width];
        var tmpRow = new T[width];
        for (int o = block.O0; o < block.O1; o++)
        {
            int baseIndex = o * n * inner + block.I0;
            src.Slice(baseIndex, width).CopyTo(shiftRow);
            for (int r = 1; r < n; r++) TensorPrimitives.Max(shiftRow, src.Slice(baseIndex + r * inner, width), shiftRow);
            for (int i = 0; i < width; i++) shiftRow[i] = Shift(shiftRow[i]);
            sum.AsSpan().Clear();
            for (int r = 0; r < n; r++)
            {
                TensorPrimitives.Subtract(src.Slice(baseIndex + r * inner, width), shiftRow, tmpRow);
                TensorPrimitives.Exp<T>(tmpRow, tmpRow);
                TensorPrimitives.Add(sum, tmpRow, sum);
            }
            var acc = dst.Slice(o * inner + block.I0, width);
            TensorPrimitives.Log<T>(sum, acc);
            TensorPrimitives.Add(acc, shiftRow, acc);
        }
    }

    private static T Shift<T>(T max) where T : IFloatingPointIeee754<T> => T.IsInfinity(max) ? T.Zero : max;
}
