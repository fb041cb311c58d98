using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Samples.ResNet18;

/// <summary>
/// ResNet-18 (He et al., 2015) in torchvision's layout and parameter names (<c>conv1</c>, <c>bn1</c>,
/// <c>layer1.0.conv1</c>, …, <c>layer2.0.downsample.0</c>, <c>fc</c>), so a torchvision
/// <c>resnet18</c> state dict loads into it unchanged (with <c>numClasses</c> 1000). The stem is
/// torchvision's (7×7 stride-2 convolution on 3 channels, 3×3 stride-2 max pool); grey 28×28 images are
/// repeated to 3 channels and upsampled (<see cref="PrepareGrey"/>) rather than changing the stem.
/// </summary>
public sealed class ResNet : Module
{
    /// <summary>Creates ResNet-18 with <paramref name="numClasses"/> outputs.</summary>
    public ResNet(int numClasses = 1000)
    {
        Fc = new Linear(512, numClasses);
        Layer1 = MakeLayer(64, 64, 1);
        Layer2 = MakeLayer(64, 128, 2);
        Layer3 = MakeLayer(128, 256, 2);
        Layer4 = MakeLayer(256, 512, 2);
        // torchvision's initialisation: Kaiming normal (fan_out, relu) convolutions, batch norms at 1 and 0.
        foreach (var module in Modules())
        {
            if (module is Conv2d conv) Init.KaimingNormal_(conv.Weight, mode: "fan_out", nonlinearity: "relu");
        }
    }

    /// <summary>The stem convolution: 3 → 64 channels, 7×7, stride 2, padding 3, no bias.</summary>
    public Conv2d Conv1 = new(3, 64, 7, stride: 2, padding: 3, bias: false);

    /// <summary>Batch norm of the stem.</summary>
    public BatchNorm2d Bn1 = new(64);

    /// <summary>Two blocks at 64 channels.</summary>
    public Sequential Layer1;

    /// <summary>Two blocks at 128 channels (the first halves the resolution).</summary>
    public Sequential Layer2;

    /// <summary>Two blocks at 256 channels.</summary>
    public Sequential Layer3;

    /// <summary>Two blocks at 512 channels.</summary>
    public Sequential Layer4;

    /// <summary>The classifier after global average pooling.</summary>
    public Linear Fc;

    private static Sequential MakeLayer(int inPlanes, int planes, int stride) =>
        new(new BasicBlock(inPlanes, planes, stride), new BasicBlock(planes, planes));

    /// <summary>The side grey images are upsampled to before the stem (default 56: 28×28 Fashion-MNIST doubled).</summary>
    public int GreyInputSize { get; set; } = 56;

    /// <summary>Logits <c>[N, numClasses]</c> for images <c>[N, 3, H, W]</c>, or grey images <c>[N, 1, h, w]</c> (prepared with <see cref="PrepareGrey"/>).</summary>
    public override Tensor Forward(Tensor input)
    {
        if (input.Size(1) == 1) input = PrepareGrey(input, GreyInputSize);
        var x = Relu(Bn1.Forward(Conv1.Forward(input)));
        x = MaxPool2d(x, 3, stride: 2, padding: 1);
        x = Layer4.Forward(Layer3.Forward(Layer2.Forward(Layer1.Forward(x))));
        x = AdaptiveAvgPool2d(x, 1).Flatten(1);
        return Fc.Forward(x);
    }

    /// <summary>Grey images <c>[N, 1, h, w]</c> as the stem expects them: repeated to 3 channels and upsampled bilinearly to <paramref name="size"/>².</summary>
    public static Tensor PrepareGrey(Tensor images, int size)
    {
        var x = images.Size(2) == size ? images : Interpolate(images, size: [size, size], mode: "bilinear", alignCorners: false);
        return x.Expand(x.Size(0), 3, size, size);
    }
}
