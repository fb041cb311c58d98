using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>cat(inputs...; dim): each input is copied (through its own strides) into its window of the dense output.</summary>
internal static class CatKernel
{
    public static void Run(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        int dim = attributes.Int("dim");
        var output = outputs[0];
        var backend = output.Storage.Backend;
        var strides = output.StridesInternal;
        int start = 0;
        foreach (var x in inputs)
        {
            if (x.Numel > 0)
                backend.Copy(x, output.ViewOf(x.Shape.ToArray(), strides, output.Offset + start * strides[dim]));
            start += x.Shape.Dims[dim];
        }
    }
}
