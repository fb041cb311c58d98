using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Samples.RealNvp;

/// <summary>
/// One affine coupling layer of RealNVP (Dinh et al., 2017) in 2-d: the coordinate that
/// <see cref="Mask"/> keeps conditions a scale s and shift t of the other one,
/// y = m ⊙ x + (1 − m) ⊙ (x ⊙ exp(s) + t), with log |det| = Σ (1 − m) ⊙ s.
/// </summary>
public sealed class AffineCoupling : Module
{
    /// <summary>Creates the layer; <paramref name="keepFirst"/> says which coordinate passes through unchanged.</summary>
    public AffineCoupling(bool keepFirst, int hidden = 64)
    {
        Mask = Tensor.From(keepFirst ? new float[] { 1, 0 } : [0, 1], 1, 2).To(Tensor.DefaultDType);
        Net = new Sequential(new Linear(2, hidden), new ReLU(), new Linear(hidden, hidden), new ReLU(), new Linear(hidden, 4));
    }

    /// <summary>1 for the coordinate that conditions, 0 for the one transformed.</summary>
    [Buffer]
    public Tensor Mask;

    /// <summary>The conditioner: masked input → (s, t).</summary>
    public Sequential Net;

    private (Tensor S, Tensor T) ScaleShift(Tensor x)
    {
        var h = Net.Forward(x * Mask);
        var inverse = 1.0 - Mask;
        var s = Tanh(h.Narrow(1, 0, 2)) * inverse;
        var t = h.Narrow(1, 2, 2) * inverse;
        return (s, t);
    }

    /// <summary>Data → latent direction: y and log |det ∂y/∂x| per row.</summary>
    public (Tensor Y, Tensor LogDet) Forward2(Tensor x)
    {
        var (s, t) = ScaleShift(x);
        return (x * s.Exp() + t, s.Sum(1));
    }

    /// <summary>Latent → data direction (the exact inverse of <see cref="Forward2"/>).</summary>
    public Tensor Inverse(Tensor y)
    {
        var (s, t) = ScaleShift(y); // the kept coordinate is the same in x and y
        return (y - t) * (-s).Exp();
    }

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) => Forward2(input).Y;
}
