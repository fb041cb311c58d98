using Avalon.Primitives;
using Avalon.Primitives.Views;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>
/// The computing members of the views family: contiguous (a dense copy) and the backward primitives
/// of slice and diagonal (zeros with the gradient written into the window the view took). All are
/// strided copies and fills through the output's backend.
/// </summary>
internal static class ViewCopyKernels
{
    /// <summary>contiguous(x): the elements of x, densely.</summary>
    public static void Contiguous(Tensor[] inputs, Attributes attributes, Tensor[] outputs) =>
        outputs[0].Storage.Backend.Copy(inputs[0], outputs[0]);

    /// <summary>slice_backward(g; shape, dim, start, end, step): zeros with g in the window.</summary>
    public static void SliceBackward(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var (g, output) = (inputs[0], outputs[0]);
        var backend = output.Storage.Backend;
        backend.Fill(output, 0);
        if (g.Numel == 0) return;
        var window = ViewPrimitives.SliceView(output, attributes.Int("dim"), attributes.Int("start"), attributes.Int("step"), g.Shape.ToArray());
        backend.Copy(g, window);
    }

    /// <summary>diagonal_backward(g; shape, offset, dim1, dim2): zeros with g on the diagonal.</summary>
    public static void DiagonalBackward(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var (g, output) = (inputs[0], outputs[0]);
        var backend = output.Storage.Backend;
        backend.Fill(output, 0);
        if (g.Numel == 0) return;
        var diagonal = DiagonalPrimitives.DiagonalView(output, attributes.Int("offset"), attributes.Int("dim1"), attributes.Int("dim2"), g.Shape.ToArray());
        backend.Copy(g, diagonal);
    }
}
