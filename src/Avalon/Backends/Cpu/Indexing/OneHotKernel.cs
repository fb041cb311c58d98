using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>one_hot(indices; num_classes): int64 indices of any shape to int64 rows of zeros with a one at the index.</summary>
internal static class OneHotKernel
{
    public static Tensor Run(Tensor[] inputs, Attributes attributes, TensorSpec spec)
    {
        var indices = inputs[0];
        int classes = attributes.Int("num_classes");
        var output = Tensor.Empty(spec.Shape.Dims, spec.DType, spec.Device);
        var src = indices.ContiguousNoGrad().ContiguousSpan<long>();
        var dst = output.ContiguousSpan<long>();
        for (int i = 0; i < src.Length; i++)
        {
            long c = src[i];
            if ((ulong)c >= (ulong)classes)
                throw IndexErrors.OutOfRange("indices", c,
                    $"one_hot: class value {c} is out of range for num_classes {classes} (last dimension of the output, dimension {indices.Rank}, has size {classes}); " +
                    $"class values must lie in [0, {classes}) (indices shape {indices.Shape}).");
            dst[i * classes + (int)c] = 1;
        }
        return output;
    }
}
