using System.Numerics;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>
/// index_select and index_add along one dim with a 1-D int64 index. The operands are made dense and
/// viewed as [outer, size, inner], so each selected slice is a run of <c>inner</c> contiguous elements
/// moved with one span copy (select) or one vectorised add (add).
/// </summary>
internal static class IndexSelectKernels
{
    /// <summary>index_select(x, index; dim): out.select(dim, k) = x.select(dim, index[k]).</summary>
    public static void IndexSelect(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var output = outputs[0];
        var visitor = new SelectVisitor(inputs[0], inputs[1], output, attributes.Int("dim"));
        DTypeDispatch.Any(output.DType, ref visitor, "index_select");
    }

    /// <summary>index_add(self, index, source; dim): a copy of self with source.select(dim, k) added to slice index[k].</summary>
    public static void IndexAdd(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var output = outputs[0];
        output.Storage.Backend.Copy(inputs[0], output);
        var visitor = new AddVisitor(output, inputs[1], inputs[2], attributes.Int("dim"), inputs[0].Shape);
        DTypeDispatch.Numeric(output.DType, ref visitor, "index_add");
    }

    // (outer, inner) around dim; a 0-d tensor counts as one element along dim 0.
    private static (int Outer, int Size, int Inner) Split(Shape shape, int dim)
    {
        if (shape.Rank == 0) return (1, 1, 1);
        int outer = 1, inner = 1;
        for (int i = 0; i < dim; i++) outer *= shape.Dims[i];
        for (int i = dim + 1; i < shape.Rank; i++) inner *= shape.Dims[i];
        return (outer, shape.Dims[dim], inner);
    }

    private readonly struct SelectVisitor(Tensor x, Tensor index, Tensor output, int dim) : IElementVisitor
    {
        public void Visit<T>() where T : unmanaged
        {
            if (output.Numel == 0) return;
            var (outer, size, inner) = Split(x.Shape, dim);
            int count = index.Numel;
            var src = x.ContiguousNoGrad().ContiguousSpan<T>();
            var idx = index.ContiguousNoGrad().ContiguousSpan<long>();
            var dst = output.ContiguousSpan<T>();
            for (int k = 0; k < count; k++)
                if ((ulong)idx[k] >= (ulong)size) throw IndexErrors.OutOfRange("index_select", idx[k], dim, size, x.Shape, index.Shape);
            for (int o = 0; o < outer; o++)
                for (int k = 0; k < count; k++)
                    src.Slice((o * size + (int)idx[k]) * inner, inner).CopyTo(dst.Slice((o * count + k) * inner, inner));
        }
    }

    private readonly struct AddVisitor(Tensor output, Tensor index, Tensor source, int dim, Shape inputShape) : INumericVisitor
    {
        public void Visit<T>() where T : unmanaged, INumber<T>
        {
            var (outer, size, inner) = Split(output.Shape, dim);
            int count = index.Numel;
            var idx = index.ContiguousNoGrad().ContiguousSpan<long>();
            for (int k = 0; k < count; k++)
                if ((ulong)idx[k] >= (ulong)size) throw IndexErrors.OutOfRange("index_add", idx[k], dim, size, inputShape, index.Shape);
            if (output.Numel == 0 || source.Numel == 0) return;
            var src = source.ContiguousNoGrad().ContiguousSpan<T>();
            var dst = output.ContiguousSpan<T>();
            for (int o = 0; o < outer; o++)
                for (int k = 0; k < count; k++)
                {
                    var d = dst.Slice((o * size + (int)idx[k]) * inner, inner);
                    Add<T>(d, src.Slice((o * count + k) * inner, inner));
                }
        }
    }

    // d += s, vectorised for the dtypes TensorPrimitives covers.
    private static void Add<T>(Span<T> d, ReadOnlySpan<T> s) where T : unmanaged, INumber<T>
    {
        if (d.Length >= 8)
        {
            System.Numerics.Tensors.TensorPrimitives.Add<T>(d, s, d);
            return;
        }
        for (int i = 0; i < d.Length; i++) d[i] += s[i];
    }
}
