using Avalon.Primitives;
using Avalon.Primitives.Random;

namespace Avalon;

public sealed partial class Tensor
{
    /// <summary>
    /// Draws 0 or 1 for each element, 1 with the probability the element holds (PyTorch's
    /// <c>torch.bernoulli</c>; the <c>bernoulli</c> primitive, seeded from <paramref name="generator"/>
    /// like <see cref="Dropout"/>). The result has this tensor's shape and floating-point dtype.
    /// </summary>
    public Tensor Bernoulli(Generator? generator = null) =>
        RandomPrimitives.Bernoulli.Invoke(Attributes.Empty, this, SeedOn(generator, Device));
}
