using System.Numerics.Tensors;
using Avalon.Primitives;
using Avalon.Primitives.Nn;

namespace Avalon.Backends.Cpu.Nn;

/// <summary>CPU kernels of the embedding lookup (a row gather) and of its gradient (a row scatter-add).</summary>
internal static class CpuEmbeddingKernels
{
    /// <summary>Registers the embedding kernels with their primitives.</summary>
    public static void Register()
    {
        EmbeddingPrimitives.Embedding.RegisterKernel(DeviceType.Cpu, Forward);
        EmbeddingPrimitives.EmbeddingBackward.RegisterKernel(DeviceType.Cpu, Backward);
    }

    /// <summary>
    /// embedding(weight [num, dim], indices [*]) → [*, dim]: row <c>indices[i]</c> of the weight for each
    /// index; with <c>mask_padding</c>, rows whose index is <c>padding_idx</c> are zero instead.
    /// </summary>
    private static void Forward(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var weight = inputs[0].ContiguousNoGrad();
        var indices = ReadIndices(inputs[1], weight.Size(0), "embedding");
        int pad = attributes.Int("padding_idx");
        bool mask = attributes.Bool("mask_padding");
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (weight.DType == DType.Float32) Gather<float>(weight, indices, outputs[0], mask ? pad : -1);
        else Gather<double>(weight, indices, outputs[0], mask ? pad : -1);
    }

    /// <summary>
    /// embedding_backward(grad [*, dim], indices [*]) → [num_weights, dim]: each gradient row added into
    /// the row its index selects; rows of <c>padding_idx</c> get nothing.
    /// </summary>
    private static void Backward(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var grad = inputs[0].ContiguousNoGrad();
        int numWeights = attributes.Int("num_weights");
        var indices = ReadIndices(inputs[1], numWeights, "embedding_backward");
        int pad = attributes.Int("padding_idx");
        // Deliberately specialised (float32/float64 only, which the shape rule ensures): not DTypeDispatch's visitor.
        if (grad.DType == DType.Float32) ScatterAdd<float>(grad, indices, outputs[0], pad);
        else ScatterAdd<double>(grad, indices, outputs[0], pad);
    }

    private static void Gather<T>(Tensor weight, int[] indices, Tensor result, int maskedIndex) where T : unmanaged
    {
        int dim = weight.Size(1);
        ReadOnlySpan<T> w = weight.ContiguousSpan<T>();
        Span<T> y = result.ContiguousSpan<T>();
        for (int i = 0; i < indices.Length; i++)
        {
            if (indices[i] == maskedIndex) y.Slice(i * dim, dim).Clear();
            else w.Slice(indices[i] * dim, dim).CopyTo(y.Slice(i * dim, dim));
        }
    }

    private static void ScatterAdd<T>(Tensor grad, int[] indices, Tensor result, int paddingIndex)
        where T : unmanaged, System.Numerics.IAdditionOperators<T, T, T>, System.Numerics.IAdditiveIdentity<T, T>
    {
        int dim = result.Size(1);
        ReadOnlySpan<T> g = grad.ContiguousSpan<T>();
        Span<T> y = result.ContiguousSpan<T>();
        y.Clear(); // the buffer's contents are unspecified; rows no index selects stay zero
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
            var values = indices.ToArrayForCheck<long>();
            for (int i = 0; i < values.Length; i++) result[i] = Check(values[i], count, op);
        }
        else
        {
            var values = indices.ToArrayForCheck<int>();
            for (int i = 0; i < values.Length; i++) result[i] = Check(values[i], count, op);
        }
        return result;
    }

    private static int Check(long index, int count, string op)
    {
        if (index < 0 || index >= count)
            throw OpErrors.OutOfRange(op, "indices", index, $"index {index} is out of range for a weight with {count} rows; indices must lie in [0, {count}).");
        return (int)index;
    }
}
