using Avalon;
using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Samples.FashionMnist;

/// <summary>The seed README's CNN: two conv + max-pool stages, then two fully connected layers.</summary>
public sealed class Net : Module
{
    /// <summary>1 → 20 channels, 5×5.</summary>
    public Conv2d Conv1 = new(1, 20, 5);

    /// <summary>20 → 50 channels, 5×5.</summary>
    public Conv2d Conv2 = new(20, 50, 5);

    /// <summary>800 → 500.</summary>
    public Linear Fc1 = new(4 * 4 * 50, 500);

    /// <summary>500 → 10 classes.</summary>
    public Linear Fc2 = new(500, 10);

    /// <summary>Log-probabilities of the 10 classes for a batch of 1×28×28 images.</summary>
    public override Tensor Forward(Tensor x)
    {
        x = MaxPool2d(Relu(Conv1.Forward(x)), 2);
        x = MaxPool2d(Relu(Conv2.Forward(x)), 2);
        x = x.Reshape(-1, 4 * 4 * 50);
        x = Relu(Fc1.Forward(x));
        return LogSoftmax(Fc2.Forward(x), dim: 1);
    }
}
