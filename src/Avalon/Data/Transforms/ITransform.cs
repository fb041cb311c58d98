namespace Avalon.Data.Transforms;

/// <summary>
/// A function applied to each sample's input as a dataset produces it (torchvision's transforms).
/// Transforms work on plain data and record nothing on a tape.
/// </summary>
public interface ITransform
{
    /// <summary>The transformed tensor; <paramref name="input"/> is left unchanged.</summary>
    /// <param name="input">One sample's input, for example an image <c>[C, H, W]</c>.</param>
    Tensor Apply(Tensor input);
}
