using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Samples.ResNet18;

/// <summary>
/// torchvision's <c>BasicBlock</c>: two 3×3 convolutions (no bias) with batch norm, and the identity (or a
/// 1×1 convolution + batch norm, <c>downsample</c>, when the stride or width changes) added before the last relu.
/// </summary>
public sealed class BasicBlock : Module
{
    /// <summary>Creates a block from <paramref name="inPlanes"/> to <paramref name="planes"/> channels.</summary>
    public BasicBlock(int inPlanes, int planes, int stride = 1)
    {
        Conv1 = new Conv2d(inPlanes, planes, 3, stride: stride, padding: 1, bias: false);
        Bn1 = new BatchNorm2d(planes);
        Conv2 = new Conv2d(planes, planes, 3, padding: 1, bias: false);
        Bn2 = new BatchNorm2d(planes);
        if (stride != 1 || inPlanes != planes)
            Downsample = new Sequential(new Conv2d(inPlanes, planes, 1, stride: stride, bias: false), new BatchNorm2d(planes));
    }

    /// <summary>The first 3×3 convolution (carries the stride).</summary>
    public Conv2d Conv1;

    /// <summary>Batch norm after <see cref="Conv1"/>.</summary>
    public BatchNorm2d Bn1;

    /// <summary>The second 3×3 convolution.</summary>
    public Conv2d Conv2;

    /// <summary>Batch norm after <see cref="Conv2"/>.</summary>
    public BatchNorm2d Bn2;

    /// <summary>The shortcut's projection, or null for the identity.</summary>
    public Sequential? Downsample;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor input)
    {
        var x = Relu(Bn1.Forward(Conv1.Forward(input)));
        x = Bn2.Forward(Conv2.Forward(x));
        var identity = Downsample is null ? input : Downsample.Forward(input);
        return Relu(x + identity);
    }
}
