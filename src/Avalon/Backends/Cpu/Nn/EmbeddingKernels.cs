using System.Numerics.Tensors;
using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Nn;

/// <summary>CPU kernels of the embedding lookup (a row gather) and of its gradient (a row scatter-add).</summary>
internal static class EmbeddingKernels
{
    /// <summary>
    /// embedding(weight [num, dim], indices [*]) → [*, dim]: row <c>indices[i]</c> of the weight for each
    /// index; with <c>mask_padding</c>, rows whose index is <c>padding_idx</c> are zero instead.
    /// </summary>
    public static Tensor Forward(Tensor[] inputs, Attributes attributes, TensorSpec output)
    {
        var weight = inputs[0].ContiguousNoGrad();
        var indices = ReadIndices(inputs[1], weight.Size(0), "embedding");
        int pad = attributes.Int("padding_idx");
        bool mask = attributes.Bool("mask_padding");
        var result = Tensor.Empty(output.Shape.ToArray(), output.DType, output.Device);
        if (weight.DType == DType.Float32) Gather<float>(weight, indices, result, mask ? pad : -1);
        else Gather<double>(weight, indices, result, mask ? pad : -1);
        return result;
    }

    /// <summary>
    /// embedding_backward(grad [*, dim], indices [*]) → [num_weights, dim]: each gradient row added into
    /// the row its index selects; rows of <c>padding_idx</c> get nothing.
    /// </summary>
    public static Tensor Backward(Tensor[] inputs, Attributes attributes, TensorSpec output)
    {
        var grad = inputs[0].ContiguousNoGrad();
        int numWeights = attributes.Int("num_weights");
        var indices = ReadIndices(inputs[1], numWeights, "embedding_backward");
        int pad = attributes.Int("padding_idx");
        var result = Tensor.Empty(output.Shape.ToArray(), output.DType, output.Device);
        if (grad.DType == DType.Float32) ScatterAdd<float>(grad, indices, result, pad);
        else ScatterAdd<double>(grad, indices, result, pad);
        return result;
    }

    private static void Gather<T>(Tensor weight, int[] indices, Tensor result, int maskedIndex) where T : unmanaged
    {
        int dim = weight.Size(1);
        ReadOnlySpan<T> w = weight.ContiguousSpan<T>();
        Span<T> y = result.ContiguousSpan<T>();
        for (int i = 0; i < indices.Length; i++)
        {
            if (indices[i] == maskedIndex) continue; // stays zero
            w.Slice(indices[i] * dim, dim).CopyTo(y.Slice(i * dim, dim));
        }
    }

    private static void ScatterAdd<T>(Tensor grad, int[] indices, Tensor result, int paddingIndex)
        where T : unmanaged, System.Numerics.IAdditionOperators<T, T, T>, System.Numerics.IAdditiveIdentity<T, T>
    {
        int dim = result.Size(1);
        ReadOnlySpan<T> g = grad.ContiguousSpan<T>();
        Span<T> y = result.ContiguousSpan<T>();
        for (int i = 0; i < indices.Length; i++)
        {
            if (indices[i] == paddingIndex) continue;
            var row = y.Slice(indices[i] * dim, dim);
            TensorPrimitives.Add<T>(row, g.Slice(i * dim, dim), row);
        }
    }

    private static int[] ReadIndices(Tensor indices, int count, string op)
    {
        var result = new int[indices.Numel];
        if (indices.DType == DType.Int64)
        {
            var values = indices.ToArray<long>();
            for (int i = 0; i < values.Length; i++) result[i] = Check(values[i], count, op);
        }
        else
        {
            var values = indices.ToArray<int>();
            for (int i = 0; i < values.Length; i++) result[i] = Check(values[i], count, op);
        }
        return result;
    }

    private static int Check(long index, int count, string op)
    {
        if (index < 0 || index >= count)
            throw new ArgumentOutOfRangeException("indices", index, $"{op}: index {index} is out of range for a weight with {count} rows; indices must lie in [0, {count}).");
        return (int)index;
    }
}
