using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Reduction;

/// <summary>
/// Fused, numerically stable softmax and log_softmax over the <c>dim</c> attribute: one pass for the
/// maximum, one for Σ exp(x − max), one for the output. Rows along the last dim are vectorised with
/// TensorPrimitives; for another dim the same passes run on whole rows of the trailing dims at once.
/// </summary>
internal static class SoftmaxKernel
{
    /// <summary>softmax.</summary>
    public static readonly Kernel Softmax = (inputs, a, outputs) => Dispatch("softmax", inputs[0], a, outputs[0], log: false);

    /// <summary>log_softmax.</summary>
    public static readonly Kernel LogSoftmax = (inputs, a, outputs) => Dispatch("log_softmax", inputs[0], a, outputs[0], log: true);

    private static void Dispatch(string name, Tensor x, Attributes a, Tensor output, bool log)
    {
        var visitor = new Visitor(x, a.Int("dim"), output, log);
        DTypeDispatch.Floating(x.DType, ref visitor, name);
    }

    private readonly struct Visitor(Tensor x, int dim, Tensor output, bool log) : IFloatingVisitor
    {
        public void Visit<T>() where T : unmanaged, IFloatingPointIeee754<T> => Run<T>(x, dim, output, log);
    }

    // Writes every element of output (the input's shape).
    private static void Run<T>(Tensor x, int dim, Tensor output, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var dense = x.ContiguousNoGrad();
        var plan = ReductionLayout.Plan(dense, x.Rank == 0 ? [] : OneDim(dim));
        if (plan.Outer * plan.Length * plan.Inner == 0) return;
        ReductionParallel.For(plan, (plan, output, log), static (s, block) => Block<T>(s.plan, s.output, block, s.log));
    }

    // The reduced dim as an array, cached per thread: a kernel call allocates nothing.
    [ThreadStatic] private static int[]? t_dim;

    private static int[] OneDim(int dim)
    {
        var d = t_dim ??= new int[1];
        d[0] = dim;
        return d;
    }

    private static void Block<T>(ReductionPlan plan, Tensor output, ReductionBlock block, bool log) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> src = plan.Dense.CpuSpan<T>().Slice(plan.Dense.Offset);
        var dst = output.ContiguousSpan<T>();
        int n = plan.Length, inner = plan.Inner;
        if (inner == 1)
        {
            for (int o = block.O0; o < block.O1; o++)
            {
                var row = src.Slice(o * n, n);
                var y = dst.Slice(o * n, n);
                T max = TensorPrimitives.Max(row);
                TensorPrimitives.Subtract(row, max, y);
                TensorPrimitives.Exp<T>(y, y);
                T sum = TensorPrimitives.Sum<T>(y);
                if (log)
                {
                    // (x − max) − log Σ, as PyTorch does: folding max + log Σ first would round away a
                    // log Σ below half an ulp of max, giving 0 instead of a small negative log-probability.
                    TensorPrimitives.Subtract(row, max, y);
                    TensorPrimitives.Subtract(y, T.Log(sum), y);
                }
                else TensorPrimitives.Divide(y, sum, y);
            }
            return;
        }
        int width = block.I1 - block.I0;
        var maxRow = new T[width];
        var sumRow = new T[width];
        for (int o = block.O0; o < block.O1; o++)
        {
            int baseIndex = o * n * inner + block.I0;
            src.Slice(baseIndex, width).CopyTo(maxRow);
            for (int r = 1; r < n; r++) TensorPrimitives.Max(maxRow, src.Slice(baseIndex + r * inner, width), maxRow);
            sumRow.AsSpan().Clear();
            for (int r = 0; r < n; r++)
            {
                var y = dst.Slice(baseIndex + r * inner, width);
                TensorPrimitives.Subtract(src.Slice(baseIndex + r * inner, width), maxRow, y);
                TensorPrimitives.Exp<T>(y, y);
                TensorPrimitives.Add(sumRow, y, sumRow);
            }
            if (log)
            {
                // (x − max) − log Σ exp(x − max), in that order (see the contiguous case); reuse sumRow for log Σ.
                TensorPrimitives.Log<T>(sumRow, sumRow);
                for (int r = 0; r < n; r++)
                {
                    var y = dst.Slice(baseIndex + r * inner, width);
                    TensorPrimitives.Subtract(src.Slice(baseIndex + r * inner, width), maxRow, y);
                    TensorPrimitives.Subtract(y, sumRow, y);
                }
            }
            else
            {
                for (int r = 0; r < n; r++)
                {
                    var y = dst.Slice(baseIndex + r * inner, width);
                    TensorPrimitives.Divide(y, sumRow, y);
                }
            }
        }
    }
}
