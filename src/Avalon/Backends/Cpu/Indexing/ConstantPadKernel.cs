using Avalon.Primitives;

namespace Avalon.Backends.Cpu.Indexing;

/// <summary>
/// constant_pad_nd(x; pads, value): an output filled with value into which the part of x that survives
/// is copied. Pads are in PyTorch's order (last dim first: before, after, then the dim before it, ...);
/// negative pads crop.
/// </summary>
internal static class ConstantPadKernel
{
    public static void Run(Tensor[] inputs, Attributes attributes, Tensor[] outputs)
    {
        var x = inputs[0];
        var output = outputs[0];
        var pads = attributes.Ints("pads");
        double value = attributes.Double("value");
        if (output.Numel == 0) return;
        var backend = output.Storage.Backend;
        var shape = x.Shape.ToArray();
        int srcOffset = x.Offset, dstOffset = output.Offset;
        bool padded = false;
        for (int p = 0; p < pads.Length / 2; p++)
        {
            int d = x.Rank - 1 - p, before = pads[2 * p], after = pads[2 * p + 1];
            int cropBefore = Math.Max(0, -before), cropAfter = Math.Max(0, -after);
            shape[d] = Math.Max(0, shape[d] - cropBefore - cropAfter);
            srcOffset += cropBefore * x.StridesInternal[d];
            dstOffset += Math.Max(0, before) * output.StridesInternal[d];
            padded |= before > 0 || after > 0;
        }
        // Only the border needs the value when the surviving part covers the rest; filling it all is simpler.
        if (padded || ShapeUtil.Numel(shape) == 0) backend.Fill(output, value);
        if (ShapeUtil.Numel(shape) > 0)
            backend.Copy(x.ViewOf(shape, x.StridesInternal, srcOffset), output.ViewOf(shape, output.StridesInternal, dstOffset));
    }
}
