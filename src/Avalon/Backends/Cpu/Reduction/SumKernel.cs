using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Reduction;

/// <summary>Sum over dims: vectorised row sums after <see cref="ReductionLayout"/>.</summary>
internal static class SumKernel
{
    public static Tensor Run(Tensor[] inputs, Attributes attributes, TensorSpec spec)
    {
        var x = inputs[0];
        var dense = ReductionLayout.Rows(x, attributes.Ints("dims"), out int n, out int rows);
        var output = Tensor.Empty(spec.Shape.ToArray(), spec.DType, spec.Device);
        switch (spec.DType)
        {
            case DType.Float32:
            {
                var src = dense.ContiguousSpan<float>();
                var dst = output.ContiguousSpan<float>();
                for (int r = 0; r < rows; r++) dst[r] = TensorPrimitives.Sum(src.Slice(r * n, n));
                break;
            }
            case DType.Float64:
            {
                var src = dense.ContiguousSpan<double>();
                var dst = output.ContiguousSpan<double>();
                for (int r = 0; r < rows; r++) dst[r] = TensorPrimitives.Sum(src.Slice(r * n, n));
                break;
            }
            case DType.Int32:
            {
                var src = dense.ContiguousSpan<int>();
                var dst = output.ContiguousSpan<int>();
                for (int r = 0; r < rows; r++) dst[r] = TensorPrimitives.Sum(src.Slice(r * n, n));
                break;
            }
            case DType.Int64:
            {
                var src = dense.ContiguousSpan<long>();
                var dst = output.ContiguousSpan<long>();
                for (int r = 0; r < rows; r++) dst[r] = TensorPrimitives.Sum(src.Slice(r * n, n));
                break;
            }
            default:
                throw new NotSupportedException($"sum: not implemented for dtype {spec.DType.Name()}.");
        }
        return output;
    }
}
