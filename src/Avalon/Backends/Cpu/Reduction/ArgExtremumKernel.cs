using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Reduction;

/// <summary>
/// argmax / argmin over the <c>dims</c> attribute as int64 indices into the flattened reduced dims,
/// with PyTorch's rules: the first occurrence wins among ties, and the first NaN wins over any number.
/// </summary>
internal static class ArgExtremumKernel
{
    /// <summary>argmax.</summary>
    public static readonly Kernel ArgMax = (inputs, a, outputs) => Dispatch<MaxDirection>("argmax", inputs[0], a, outputs[0]);

    /// <summary>argmin.</summary>
    public static readonly Kernel ArgMin = (inputs, a, outputs) => Dispatch<MinDirection>("argmin", inputs[0], a, outputs[0]);

    private static void Dispatch<TDir>(string name, Tensor x, Attributes a, Tensor output) where TDir : IDirection
    {
        var visitor = new Visitor<TDir>(x, a.SharedInts("dims"), output);
        DTypeDispatch.Numeric(x.DType, ref visitor, name);
    }

    private readonly struct Visitor<TDir>(Tensor x, int[] dims, Tensor output) : INumericVisitor where TDir : IDirection
    {
        public void Visit<T>() where T : unmanaged, INumber<T> => Run<T, TDir>(x, dims, output);
    }

    // Writes every element of the int64 output (no group is empty: the shape rule rejects that).
    private static void Run<T, TDir>(Tensor x, int[] dims, Tensor output) where T : unmanaged, INumber<T> where TDir : IDirection
    {
        var plan = ReductionLayout.Plan(x, dims);
        if (plan.Outer * plan.Inner == 0) return;
        ReductionParallel.For(plan, (plan, output), static (s, block) => Block<T, TDir>(s.plan, s.output, block));
    }

    private static void Block<T, TDir>(ReductionPlan plan, Tensor output, ReductionBlock block)
        where T : unmanaged, INumber<T> where TDir : IDirection
    {
        ReadOnlySpan<T> src = plan.Dense.CpuSpan<T>().Slice(plan.Dense.Offset);
        var dst = output.ContiguousSpan<long>();
        int n = plan.Length, inner = plan.Inner;
        if (inner == 1)
        {
            for (int o = block.O0; o < block.O1; o++)
            {
                var row = src.Slice(o * n, n);
                dst[o] = TDir.IsMax ? TensorPrimitives.IndexOfMax(row) : TensorPrimitives.IndexOfMin(row);
            }
            return;
        }
        int width = block.I1 - block.I0;
        var best = new T[width];
        for (int o = block.O0; o < block.O1; o++)
        {
            var idx = dst.Slice(o * inner + block.I0, width);
            int baseIndex = o * n * inner + block.I0;
            src.Slice(baseIndex, width).CopyTo(best);
            idx.Clear();
            for (int r = 1; r < n; r++)
            {
                var row = src.Slice(baseIndex + r * inner, width);
                for (int i = 0; i < width; i++)
                {
                    T v = row[i], b = best[i];
                    // Strict comparison keeps the first of equal values; a NaN replaces any number once.
                    bool better = TDir.IsMax ? v > b : v < b;
                    if (better || T.IsNaN(v) && !T.IsNaN(b))
                    {
                        best[i] = v;
                        idx[i] = r;
                    }
                }
            }
        }
    }

    private interface IDirection
    {
        static abstract bool IsMax { get; }
    }

    private readonly struct MaxDirection : IDirection
    {
        public static bool IsMax => true;
    }

    private readonly struct MinDirection : IDirection
    {
        public static bool IsMax => false;
    }
}
