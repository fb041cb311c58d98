using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>cat(inputs...; dim): each input is copied (through its own strides) into its window of the dense output.</summary>
internal static class CatKernel
{
    public static Tensor Run(Tensor[] inputs, Attributes attributes, TensorSpec spec)
    {
        int dim = attributes.Int("dim");
        var output = Tensor.Empty(spec.Shape.Dims, spec.DType, spec.Device);
        var backend = Backend.For(spec.Device);
        var strides = output.StridesInternal;
        int start = 0;
        foreach (var x in inputs)
        {
            if (x.Numel > 0)
                backend.Copy(x, output.ViewOf(x.Shape.ToArray(), strides, start * strides[dim]));
            start += x.Shape.Dims[dim];
        }
        return output;
    }
}
