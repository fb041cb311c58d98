using System.Numerics;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>
/// gather, scatter and scatter_add along one dim (attribute <c>dim</c>) with an int64 index of the
/// output's (gather) or the source's (scatter) iteration shape. Every operand is read through its own
/// strides: the iteration walks the index's shape row by row, and the indexed operand's stride along
/// <c>dim</c> is applied to the index value instead of the position.
/// </summary>
internal static class GatherScatterKernels
{
    /// <summary>gather(x, index; dim): out[..., i, ...] = x[..., index[..., i, ...], ...].</summary>
    public static Tensor Gather(Tensor[] inputs, Attributes attributes, TensorSpec spec)
    {
        var output = Tensor.Empty(spec.Shape.Dims, spec.DType, spec.Device);
        var visitor = new GatherVisitor(AtLeast1D(inputs[0]), AtLeast1D(inputs[1]), AtLeast1D(output), attributes.Int("dim"), inputs[0].Shape);
        DTypeDispatch.Any(spec.DType, ref visitor);
        return output;
    }

    /// <summary>scatter(self, index, src; dim): a copy of self with out[..., index[..., i, ...], ...] = src[..., i, ...].</summary>
    public static Tensor Scatter(Tensor[] inputs, Attributes attributes, TensorSpec spec)
    {
        var output = inputs[0].ContiguousCopy();
        var visitor = new ScatterVisitor(AtLeast1D(output), AtLeast1D(inputs[1]), AtLeast1D(inputs[2]), attributes.Int("dim"), inputs[0].Shape, "scatter");
        DTypeDispatch.Any(spec.DType, ref visitor);
        return output;
    }

    /// <summary>scatter_add(self, index, src; dim): a copy of self with src accumulated at the indexed positions.</summary>
    public static Tensor ScatterAdd(Tensor[] inputs, Attributes attributes, TensorSpec spec)
    {
        var output = inputs[0].ContiguousCopy();
        var visitor = new ScatterVisitor(AtLeast1D(output), AtLeast1D(inputs[1]), AtLeast1D(inputs[2]), attributes.Int("dim"), inputs[0].Shape, "scatter_add");
        DTypeDispatch.Numeric(spec.DType, ref visitor, "scatter_add");
        return output;
    }

    // A 0-d tensor behaves as a 1-element 1-D one along dim 0 (PyTorch's convention for gather/scatter).
    private static Tensor AtLeast1D(Tensor t) => t.Rank > 0 ? t : t.ViewOf([1], [1], t.Offset);

    // Strides of the indexed operand with the indexed dim's stride removed (it is applied to the index value).
    private static int[] WithoutDim(Tensor t, int dim)
    {
        var strides = t.Strides;
        strides[dim] = 0;
        return strides;
    }

    private readonly struct GatherVisitor(Tensor x, Tensor index, Tensor output, int dim, Shape inputShape) : IElementVisitor
    {
        public void Visit<T>() where T : unmanaged
        {
            if (output.Numel == 0) return;
            var src = x.CpuSpan<T>();
            var dst = output.CpuSpan<T>();
            var idx = index.CpuSpan<long>();
            int size = x.Shape.Dims[dim], dimStride = x.StridesInternal[dim];
            var it = new RowIterator(index.Shape.Dims, [index.StridesInternal, WithoutDim(x, dim), output.StridesInternal],
                [index.Offset, x.Offset, output.Offset]);
            int n = it.RowLength, si = it.RowStrides[0], sx = it.RowStrides[1], so = it.RowStrides[2];
            while (it.MoveNext())
            {
                int io = it.Offsets[0], xo = it.Offsets[1], oo = it.Offsets[2];
                for (int i = 0; i < n; i++)
                {
                    long k = idx[io + i * si];
                    if ((ulong)k >= (ulong)size) throw IndexErrors.OutOfRange("gather", k, dim, size, inputShape, index.Shape);
                    dst[oo + i * so] = src[xo + i * sx + (int)k * dimStride];
                }
            }
        }
    }

    private readonly struct ScatterVisitor(Tensor output, Tensor index, Tensor source, int dim, Shape inputShape, string op)
        : IElementVisitor, INumericVisitor
    {
        // scatter: overwrite (the last write wins when an index repeats, as PyTorch's CPU kernel does).
        void IElementVisitor.Visit<T>()
        {
            if (index.Numel == 0) return;
            var dst = output.CpuSpan<T>();
            var src = source.CpuSpan<T>();
            var idx = index.CpuSpan<long>();
            int size = output.Shape.Dims[dim], dimStride = output.StridesInternal[dim];
            var it = new RowIterator(index.Shape.Dims, [index.StridesInternal, source.StridesInternal, WithoutDim(output, dim)],
                [index.Offset, source.Offset, output.Offset]);
            int n = it.RowLength, si = it.RowStrides[0], ss = it.RowStrides[1], so = it.RowStrides[2];
            while (it.MoveNext())
            {
                int io = it.Offsets[0], sro = it.Offsets[1], oo = it.Offsets[2];
                for (int i = 0; i < n; i++)
                {
                    long k = idx[io + i * si];
                    if ((ulong)k >= (ulong)size) throw IndexErrors.OutOfRange(op, k, dim, size, inputShape, index.Shape);
                    dst[oo + i * so + (int)k * dimStride] = src[sro + i * ss];
                }
            }
        }

        // scatter_add: accumulate.
        void INumericVisitor.Visit<T>()
        {
            if (index.Numel == 0) return;
            var dst = output.CpuSpan<T>();
            var src = source.CpuSpan<T>();
            var idx = index.CpuSpan<long>();
            int size = output.Shape.Dims[dim], dimStride = output.StridesInternal[dim];
            var it = new RowIterator(index.Shape.Dims, [index.StridesInternal, source.StridesInternal, WithoutDim(output, dim)],
                [index.Offset, source.Offset, output.Offset]);
            int n = it.RowLength, si = it.RowStrides[0], ss = it.RowStrides[1], so = it.RowStrides[2];
            while (it.MoveNext())
            {
                int io = it.Offsets[0], sro = it.Offsets[1], oo = it.Offsets[2];
                for (int i = 0; i < n; i++)
                {
                    long k = idx[io + i * si];
                    if ((ulong)k >= (ulong)size) throw IndexErrors.OutOfRange(op, k, dim, size, inputShape, index.Shape);
                    dst[oo + i * so + (int)k * dimStride] += src[sro + i * ss];
                }
            }
        }
    }
}
