using Avalon.Primitives;
using Avalon.Primitives.Random;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// Dropout (<c>torch.nn.functional.dropout</c>): in training, zeroes each element with probability
    /// <paramref name="p"/> and scales the rest by 1/(1 - p); otherwise, or when p = 0, returns this tensor.
    /// </summary>
    /// <remarks>
    /// The <c>dropout</c> primitive with a seed drawn from <paramref name="generator"/> (the default
    /// generator when null): the same generator state gives the same mask, and while a tape traces the
    /// seed is a tape value, so each replay of the tape draws a fresh mask. The gradient is the same
    /// mask. p = 1 gives zeros (x * 0, like PyTorch).
    /// </remarks>
    public Tensor Dropout(double p = 0.5, bool training = true, Generator? generator = null)
    {
        if (!(p >= 0 && p <= 1))
            throw OpErrors.Argument("dropout", $"probability has to be between 0 and 1, but got {p}.");
        if (!DType.IsFloatingPoint())
            throw OpErrors.Argument("dropout", $"expected a floating-point tensor, got {DType.Name()}{Shape}. Convert with .To(DType.Float32).");
        if (!training || p == 0) return this;
        if (p == 1) return this * 0.0;
        return RandomPrimitives.Dropout.Invoke(Attributes.Of(("p", p)), this, SeedOn(generator, Device));
    }
}
