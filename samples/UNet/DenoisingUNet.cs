using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Samples.UNet;

/// <summary>
/// A small U-Net (Ronneberger et al., 2015) for 1×28×28 images: two down-sampling stages (max pool) to
/// 7×7, back up with a transposed convolution (7 → 14) and an <see cref="Upsample"/> + convolution
/// (14 → 28), each joined with the encoder's features of the same size; group norm throughout. It
/// predicts the noise in its input, so the clean estimate is input − output.
/// </summary>
public sealed class DenoisingUNet : Module
{
    /// <summary>Creates the network with <paramref name="width"/> channels at full resolution.</summary>
    public DenoisingUNet(int width = 16)
    {
        Down1 = new ConvBlock(1, width);
        Down2 = new ConvBlock(width, 2 * width);
        Middle = new ConvBlock(2 * width, 4 * width);
        Up2 = new ConvTranspose2d(4 * width, 2 * width, 2, stride: 2);
        UpBlock2 = new ConvBlock(4 * width, 2 * width);
        Up1 = new Sequential(new Upsample(2.0, mode: "nearest"), new Conv2d(2 * width, width, 3, padding: 1));
        UpBlock1 = new ConvBlock(2 * width, width);
        Out = new Conv2d(width, 1, 1);
    }

    /// <summary>Encoder at 28×28.</summary>
    public ConvBlock Down1;

    /// <summary>Encoder at 14×14.</summary>
    public ConvBlock Down2;

    /// <summary>Bottleneck at 7×7.</summary>
    public ConvBlock Middle;

    /// <summary>7×7 → 14×14 transposed convolution.</summary>
    public ConvTranspose2d Up2;

    /// <summary>Decoder at 14×14 (after joining <see cref="Down2"/>'s features).</summary>
    public ConvBlock UpBlock2;

    /// <summary>14×14 → 28×28: nearest upsampling and a 3×3 convolution.</summary>
    public Sequential Up1;

    /// <summary>Decoder at 28×28 (after joining <see cref="Down1"/>'s features).</summary>
    public ConvBlock UpBlock1;

    /// <summary>1×1 convolution to the predicted noise.</summary>
    public Conv2d Out;

    /// <summary>The predicted noise <c>[N, 1, 28, 28]</c> in noisy images <c>[N, 1, 28, 28]</c>.</summary>
    public override Tensor Forward(Tensor input)
    {
        var d1 = Down1.Forward(input);
        var d2 = Down2.Forward(MaxPool2d(d1, 2));
        var m = Middle.Forward(MaxPool2d(d2, 2));
        var u2 = UpBlock2.Forward(Tensor.Cat([Up2.Forward(m), d2], 1));
        var u1 = UpBlock1.Forward(Tensor.Cat([Up1.Forward(u2), d1], 1));
        return Out.Forward(u1);
    }

    /// <summary>The clean estimate: input minus the predicted noise, clamped to [0, 1].</summary>
    public Tensor Denoise(Tensor noisy) => (noisy - Forward(noisy)).Clamp(0, 1);
}
