namespace Avalon;

/// <summary>How <see cref="Tensor.Pad"/> fills the new elements (PyTorch's <c>mode</c> of <c>F.pad</c>).</summary>
public enum PadMode
{
    /// <summary>A constant value (<c>'constant'</c>); negative pads crop.</summary>
    Constant,
    /// <summary>The mirror image without repeating the edge (<c>'reflect'</c>): [a b c] padded by 2 gives c b a b c b a.</summary>
    Reflect,
    /// <summary>The edge value repeated (<c>'replicate'</c>): a a a b c c c.</summary>
    Replicate,
    /// <summary>Wrapping around (<c>'circular'</c>): b c a b c a b.</summary>
    Circular,
}
