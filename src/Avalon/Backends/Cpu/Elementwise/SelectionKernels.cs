using System.Numerics;
using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Elementwise;

/// <summary>CPU kernels of the selection primitives: where and clamp (maximum/minimum use <see cref="BinaryLoop"/>).</summary>
internal static class SelectionKernels
{
    public static readonly Kernel Maximum =
        ElementwiseKernels.Arithmetic<MaximumOperator<float>, MaximumOperator<double>, MaximumOperator<int>, MaximumOperator<long>>("maximum");

    public static readonly Kernel Minimum =
        ElementwiseKernels.Arithmetic<MinimumOperator<float>, MinimumOperator<double>, MinimumOperator<int>, MinimumOperator<long>>("minimum");

    /// <summary>where(cond, a, b) with all three broadcast to the output's shape.</summary>
    public static readonly Kernel Where = (inputs, _, outputs) =>
    {
        var output = outputs[0];   // every element is written, at the output's offset
        var visitor = new WhereVisitor(inputs[0], inputs[1], inputs[2], output);
        DTypeDispatch.Any(output.DType, ref visitor, "where");
    };

    private readonly struct WhereVisitor(Tensor cond, Tensor a, Tensor b, Tensor output) : IElementVisitor
    {
        public void Visit<T>() where T : unmanaged => WhereTyped<T>(cond, a, b, output);
    }

    private static void WhereTyped<T>(Tensor cond, Tensor a, Tensor b, Tensor output) where T : unmanaged
    {
        var shape = output.Shape.Dims;
        Span<int> sc = shape.Length <= BroadcastStrides.StackRank ? stackalloc int[BroadcastStrides.StackRank] : new int[shape.Length];
        Span<int> sa = shape.Length <= BroadcastStrides.StackRank ? stackalloc int[BroadcastStrides.StackRank] : new int[shape.Length];
        Span<int> sb = shape.Length <= BroadcastStrides.StackRank ? stackalloc int[BroadcastStrides.StackRank] : new int[shape.Length];
        var dc = cond.CpuSpan<bool>();
        var da = a.CpuSpan<T>();
        var db = b.CpuSpan<T>();
        var dout = output.CpuSpan<T>();
        var it = new RowIterator(shape, BroadcastStrides.Into(cond, shape, sc), cond.Offset, BroadcastStrides.Into(a, shape, sa), a.Offset,
            BroadcastStrides.Into(b, shape, sb), b.Offset, output.StridesInternal, output.Offset);
        int n = it.RowLength;
        int rc = it.RowStride(0), ra = it.RowStride(1), rb = it.RowStride(2), ro = it.RowStride(3);
        while (it.MoveNext())
        {
            int oc = it.Offset(0), oa = it.Offset(1), ob = it.Offset(2), oo = it.Offset(3);
            if (rc == 1 && ro == 1 && (uint)ra <= 1 && (uint)rb <= 1 && n > 0)
            {
                // Dense condition and output; each value operand dense or a broadcast scalar.
                WhereLoop.Run(dc.Slice(oc, n), ref da[oa], ra, ref db[ob], rb, dout.Slice(oo, n));
            }
            else
            {
                for (int i = 0; i < n; i++) dout[oo + i * ro] = dc[oc + i * rc] ? da[oa + i * ra] : db[ob + i * rb];
            }
        }
    }

    /// <summary>clamp(x, min, max) for scalar bounds (attributes <c>min</c> and/or <c>max</c>): min(max(x, min), max), NaN propagating.</summary>
    public static readonly Kernel Clamp = (inputs, attributes, outputs) =>
    {
        double? lo = attributes.Has("min") ? attributes.Double("min") : null;
        double? hi = attributes.Has("max") ? attributes.Double("max") : null;
        ElementwiseKernels.Unary("clamp", inputs[0], outputs[0],
            (x, y) => ClampTyped(x, y, (float?)lo, (float?)hi),
            (x, y) => ClampTyped(x, y, lo, hi),
            (x, y) => ClampTyped(x, y, lo is { } l ? (int)l : null, hi is { } h ? (int)h : null),
            (x, y) => ClampTyped(x, y, lo is { } l ? (long)l : null, hi is { } h ? (long)h : null));
    };

    private static void ClampTyped<T>(ReadOnlySpan<T> x, Span<T> y, T? lo, T? hi) where T : unmanaged, INumber<T>
    {
        if (lo is { } l) TensorPrimitives.Max(x, l, y);
        else x.CopyTo(y);
        if (hi is { } h) TensorPrimitives.Min(y, h, y);
    }
}
