using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>one_hot(indices; num_classes): int64 indices of any shape to int64 rows of zeros with a one at the index.</summary>
internal static class OneHotKernel
{
    public static void Run(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var indices = inputs[0];
        int classes = attributes.Int("num_classes");
        var src = indices.ContiguousNoGrad().ContiguousSpan<long>();
        var dst = outputs[0].ContiguousSpan<long>();
        dst.Clear();
        for (int i = 0; i < src.Length; i++)
        {
            long c = src[i];
            if ((ulong)c >= (ulong)classes)
                throw IndexErrors.OutOfRange("indices", c,
                    $"one_hot: class value {c} is out of range for num_classes {classes} (last dimension of the output, dimension {indices.Rank}, has size {classes}); " +
                    $"class values must lie in [0, {classes}) (indices shape {indices.Shape}).");
            dst[i * classes + (int)c] = 1;
        }
    }
}
