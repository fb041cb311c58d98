using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Samples.UNet;

/// <summary>Two 3×3 convolutions, each followed by group norm and SiLU.</summary>
public sealed class ConvBlock : Module
{
    /// <summary>Creates the block from <paramref name="inChannels"/> to <paramref name="outChannels"/>.</summary>
    public ConvBlock(int inChannels, int outChannels, int groups = 8)
    {
        Conv1 = new Conv2d(inChannels, outChannels, 3, padding: 1);
        Norm1 = new GroupNorm(groups, outChannels);
        Conv2 = new Conv2d(outChannels, outChannels, 3, padding: 1);
        Norm2 = new GroupNorm(groups, outChannels);
    }

    /// <summary>First convolution.</summary>
    public Conv2d Conv1;

    /// <summary>Group norm after <see cref="Conv1"/>.</summary>
    public GroupNorm Norm1;

    /// <summary>Second convolution.</summary>
    public Conv2d Conv2;

    /// <summary>Group norm after <see cref="Conv2"/>.</summary>
    public GroupNorm Norm2;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input) =>
        Silu(Norm2.Forward(Conv2.Forward(Silu(Norm1.Forward(Conv1.Forward(input))))));
}
