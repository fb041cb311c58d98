using System.Numerics;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Reduction;

/// <summary>
/// equal_mask(a, b): 1 where a == b and 0 elsewhere, broadcast, in the floating-point dtype given by the
/// <c>dtype</c> attribute. Derivative rules of reductions use it to find the elements that attained an
/// extremum or are zero.
/// </summary>
internal static class EqualMaskKernel
{
    /// <summary>The kernel.</summary>
    public static readonly Kernel Run = (inputs, a, outputs) =>
    {
        var output = outputs[0];   // every element is written, at the output's offset
        switch (inputs[0].DType, output.DType)
        {
            case (DType.Float32, DType.Float32): Compute<float, float>(inputs[0], inputs[1], output); break;
            case (DType.Float64, DType.Float64): Compute<double, double>(inputs[0], inputs[1], output); break;
            case (DType.Int64, DType.Float32): Compute<long, float>(inputs[0], inputs[1], output); break;
            case (DType.Int64, DType.Float64): Compute<long, double>(inputs[0], inputs[1], output); break;
            case (DType.Int32, DType.Float32): Compute<int, float>(inputs[0], inputs[1], output); break;
            case (DType.Int32, DType.Float64): Compute<int, double>(inputs[0], inputs[1], output); break;
            default:
                throw OpErrors.NotSupported("equal_mask", $"not implemented for {inputs[0].DType.Name()} inputs with a {output.DType.Name()} result.");
        }
    };

    private static void Compute<T, TOut>(Tensor a, Tensor b, Tensor output)
        where T : unmanaged, INumber<T> where TOut : unmanaged, INumber<TOut>
    {
        var shape = output.Shape.Dims;
        Span<int> sa = shape.Length <= BroadcastStrides.StackRank ? stackalloc int[BroadcastStrides.StackRank] : new int[shape.Length];
        Span<int> sb = shape.Length <= BroadcastStrides.StackRank ? stackalloc int[BroadcastStrides.StackRank] : new int[shape.Length];
        var da = a.CpuSpan<T>();
        var db = b.CpuSpan<T>();
        var dout = output.CpuSpan<TOut>();
        var it = new RowIterator(shape, BroadcastStrides.Into(a, shape, sa), a.Offset, BroadcastStrides.Into(b, shape, sb), b.Offset,
            output.StridesInternal, output.Offset);
        int n = it.RowLength;
        int ra = it.RowStride(0), rb = it.RowStride(1), ro = it.RowStride(2);
        while (it.MoveNext())
        {
            int oa = it.Offset(0), ob = it.Offset(1), oo = it.Offset(2);
            for (int i = 0; i < n; i++)
                dout[oo + i * ro] = da[oa + i * ra] == db[ob + i * rb] ? TOut.One : TOut.Zero;
        }
    }
}
