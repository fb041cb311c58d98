using Avalon.Primitives;
using Avalon.Primitives.Indexing;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// Pads the trailing dims (PyTorch's <c>F.pad</c>). <paramref name="pads"/> lists (before, after) pairs
    /// starting from the last dim: <c>[left, right]</c> pads the last dim, <c>[left, right, top, bottom]</c>
    /// the last two. Constant mode fills with <paramref name="value"/> and accepts negative pads (cropping);
    /// reflect needs pads smaller than the dim, circular pads no larger than it.
    /// </summary>
    public Tensor Pad(int[] pads, PadMode mode = PadMode.Constant, double value = 0)
    {
        ArgumentNullException.ThrowIfNull(pads);
        if (mode != PadMode.Constant && value != 0)
            throw OpErrors.Argument("pad", $"padding mode {mode} doesn't take in a value argument (got value {value}); use PadMode.Constant.");
        if (pads.Length == 0 && mode == PadMode.Constant) return this;
        var primitive = mode switch
        {
            PadMode.Constant => PaddingPrimitives.ConstantPad,
            PadMode.Reflect => PaddingPrimitives.ReflectionPad,
            PadMode.Replicate => PaddingPrimitives.ReplicationPad,
            PadMode.Circular => PaddingPrimitives.CircularPad,
            _ => throw OpErrors.OutOfRange("pad", nameof(mode), mode, "unknown padding mode."),
        };
        var attributes = mode == PadMode.Constant
            ? Attributes.Of(("pads", (int[])pads.Clone()), ("value", value))
            : Attributes.Of(("pads", (int[])pads.Clone()));
        return primitive.Invoke(attributes, this);
    }
}
