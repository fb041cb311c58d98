using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>
/// flip(x; dims): a dense copy read through a view with negated strides on the flipped dims, so the
/// strided copy loop does all the work (the negative-stride view never leaves this kernel).
/// </summary>
internal static class FlipKernel
{
    public static void Run(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var x = inputs[0];
        var output = outputs[0];
        if (output.Numel == 0) return;
        var strides = x.Strides;
        int offset = x.Offset;
        foreach (int d in attributes.Ints("dims"))
        {
            offset += (x.Shape.Dims[d] - 1) * strides[d];
            strides[d] = -strides[d];
        }
        output.Storage.Backend.Copy(x.ViewOf(x.Shape.ToArray(), strides, offset), output);
    }
}
