using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Reduction;

/// <summary>
/// var / std over the <c>dims</c> attribute with Bessel's <c>correction</c>: two passes per group (mean,
/// then the sum of squared deviations), which stays accurate where E[x²] − E[x]² cancels. The divisor is
/// max(0, N − correction), so too few elements give NaN or infinity like PyTorch.
/// </summary>
internal static class VarianceKernel
{
    /// <summary>Variance.</summary>
    public static readonly Kernel Var = (inputs, a, outputs) => Dispatch("var", inputs[0], a, outputs[0], sqrt: false);

    /// <summary>Standard deviation.</summary>
    public static readonly Kernel Std = (inputs, a, outputs) => Dispatch("std", inputs[0], a, outputs[0], sqrt: true);

    private static void Dispatch(string name, Tensor x, Attributes a, Tensor output, bool sqrt)
    {
        var visitor = new Visitor(x, a, output, sqrt);
        DTypeDispatch.Floating(x.DType, ref visitor, name);
    }

    private readonly struct Visitor(Tensor x, Attributes a, Tensor output, bool sqrt) : IFloatingVisitor
    {
        public void Visit<T>() where T : unmanaged, IFloatingPointIeee754<T> => Run<T>(x, a, output, sqrt);
    }

    // Writes every element of output.
    private static void Run<T>(Tensor x, Attributes a, Tensor output, bool sqrt) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var plan = ReductionLayout.Plan(x, a.SharedInts("dims"));
        if (plan.Outer * plan.Inner == 0) return;
        T divisor = T.CreateChecked(Math.Max(0, plan.Length - a.Int("correction")));
        ReductionParallel.For(plan, (plan, output, divisor, sqrt), static (s, block) => Block(s.plan, s.output, block, s.divisor, s.sqrt));
    }

    private static void Block<T>(ReductionPlan plan, Tensor output, ReductionBlock block, T divisor, bool sqrt)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ReadOnlySpan<T> src = plan.Dense.CpuSpan<T>().Slice(plan.Dense.Offset);
        var dst = output.ContiguousSpan<T>();
        int n = plan.Length, inner = plan.Inner;
        T count = T.CreateChecked(n);
        if (inner == 1)
        {
            var deviation = new T[n];
            for (int o = block.O0; o < block.O1; o++)
            {
                var row = src.Slice(o * n, n);
                T mean = TensorPrimitives.Sum(row) / count;
                TensorPrimitives.Subtract(row, mean, deviation);
                T v = TensorPrimitives.SumOfSquares<T>(deviation) / divisor;
                dst[o] = sqrt ? T.Sqrt(v) : v;
            }
            return;
        }
        int width = block.I1 - block.I0;
        var meanRow = new T[width];
        var tmp = new T[width];
        for (int o = block.O0; o < block.O1; o++)
        {
            var acc = dst.Slice(o * inner + block.I0, width);
            int baseIndex = o * n * inner + block.I0;
            meanRow.AsSpan().Clear();
            for (int r = 0; r < n; r++) TensorPrimitives.Add(meanRow, src.Slice(baseIndex + r * inner, width), meanRow);
            TensorPrimitives.Divide(meanRow, count, meanRow);
            acc.Clear();
            for (int r = 0; r < n; r++)
            {
                TensorPrimitives.Subtract(src.Slice(baseIndex + r * inner, width), meanRow, tmp);
                TensorPrimitives.MultiplyAdd(tmp, tmp, acc, acc);
            }
            TensorPrimitives.Divide(acc, divisor, acc);
            if (sqrt) TensorPrimitives.Sqrt(acc, acc);
        }
    }
}
