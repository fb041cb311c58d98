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
    public static void Gather(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var output = outputs[0];
        var visitor = new GatherVisitor(AtLeast1D(inputs[0]), AtLeast1D(inputs[1]), AtLeast1D(output), attributes.Int("dim"), inputs[0].Shape);
        DTypeDispatch.Any(output.DType, ref visitor, "gather");
    }

    /// <summary>scatter(self, index, src; dim): a copy of self with out[..., index[..., i, ...], ...] = src[..., i, ...].</summary>
    public static void Scatter(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var output = outputs[0];
        output.Storage.Backend.Copy(inputs[0], output);
        var visitor = new ScatterVisitor(AtLeast1D(output), AtLeast1D(inputs[1]), AtLeast1D(inputs[2]), attributes.Int("dim"), inputs[0].Shape, "scatter");
        DTypeDispatch.Any(output.DType, ref visitor, "scatter");
    }

    /// <summary>scatter_add(self, index, src; dim): a copy of self with src accumulated at the indexed positions.</summary>
    public static void ScatterAdd(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var output = outputs[0];
        output.Storage.Backend.Copy(inputs[0], output);
        var visitor = new ScatterVisitor(AtLeast1D(output), AtLeast1D(inputs[1]), AtLeast1D(inputs[2]), attributes.Int("dim"), inputs[0].Shape, "scatter_add");
        DTypeDispatch.Numeric(output.DType, ref visitor, "scatter_add");
    }

    // A 0-d tensor behaves as a 1-element 1-D one along dim 0 (PyTorch's convention for gather/scatter).
    private static Tensor AtLeast1D(Tensor t) => t.Rank > 0 ? t : t.ViewOf([1], [1], t.Offset);

    // Strides of the indexed operand with the indexed dim's stride removed (it is applied to the index value).
    private static Span<int> WithoutDim(Tensor t, int dim, Span<int> strides)
    {
        t.StridesInternal.CopyTo(strides);
        strides[dim] = 0;
        return strides;
    }

    /// <summary>
    /// The walk gather, scatter and scatter_add share: over <paramref name="index"/>'s shape row by row,
    /// <paramref name="indexed"/> is addressed with its <paramref name="dim"/> position taken from the index
    /// and <paramref name="other"/> by position; <typeparamref name="TStep"/> moves the element.
    /// </summary>
    private static void Walk<T, TStep>(string op, Tensor indexed, Tensor index, Tensor other, int dim, Shape inputShape)
        where T : unmanaged
        where TStep : struct, IIndexedStep<T>
    {
        if (index.Numel == 0) return;
        var a = indexed.CpuSpan<T>();
        var b = other.CpuSpan<T>();
        var idx = index.CpuSpan<long>();
        int size = indexed.Shape.Dims[dim], dimStride = indexed.StridesInternal[dim];
        var it = new RowIterator(index.Shape.Dims, index.StridesInternal, index.Offset, WithoutDim(indexed, dim, indexed.Rank <= 32 ? stackalloc int[indexed.Rank] : new int[indexed.Rank]), indexed.Offset,
            other.StridesInternal, other.Offset);
        int n = it.RowLength, si = it.RowStride(0), sa = it.RowStride(1), sb = it.RowStride(2);
        while (it.MoveNext())
        {
            int io = it.Offset(0), ao = it.Offset(1), bo = it.Offset(2);
            for (int i = 0; i < n; i++)
            {
                long k = idx[io + i * si];
                if ((ulong)k >= (ulong)size) throw IndexErrors.OutOfRange(op, k, dim, size, inputShape, index.Shape);
                TStep.Apply(a, ao + i * sa + (int)k * dimStride, b, bo + i * sb);
            }
        }
    }

    /// <summary>What <see cref="Walk{T, TStep}"/> does with one pair of elements.</summary>
    private interface IIndexedStep<T> where T : unmanaged
    {
        /// <summary>Moves between <paramref name="indexed"/>[<paramref name="i"/>] and <paramref name="other"/>[<paramref name="j"/>].</summary>
        static abstract void Apply(Span<T> indexed, int i, Span<T> other, int j);
    }

    private readonly struct GatherStep<T> : IIndexedStep<T> where T : unmanaged
    {
        public static void Apply(Span<T> indexed, int i, Span<T> other, int j) => other[j] = indexed[i];
    }

    // The last write wins when an index repeats, as PyTorch's CPU kernel does.
    private readonly struct ScatterStep<T> : IIndexedStep<T> where T : unmanaged
    {
        public static void Apply(Span<T> indexed, int i, Span<T> other, int j) => indexed[i] = other[j];
    }

    private readonly struct ScatterAddStep<T> : IIndexedStep<T> where T : unmanaged, INumber<T>
    {
        public static void Apply(Span<T> indexed, int i, Span<T> other, int j) => indexed[i] += other[j];
    }

    private readonly struct GatherVisitor(Tensor x, Tensor index, Tensor output, int dim, Shape inputShape) : IElementVisitor
    {
        public void Visit<T>() where T : unmanaged => Walk<T, GatherStep<T>>("gather", x, index, output, dim, inputShape);
    }

    private readonly struct ScatterVisitor(Tensor output, Tensor index, Tensor source, int dim, Shape inputShape, string op)
        : IElementVisitor, INumericVisitor
    {
        void IElementVisitor.Visit<T>() => Walk<T, ScatterStep<T>>(op, output, index, source, dim, inputShape);

        void INumericVisitor.Visit<T>() => Walk<T, ScatterAddStep<T>>(op, output, index, source, dim, inputShape);
    }
}
