using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Benchmarks;

/// <summary>The Fashion-MNIST sample's CNN (samples/FashionMnist/Net.cs), copied so the benchmark needs no sample project.</summary>
internal sealed class LeNet : Module
{
    public Conv2d Conv1 = new(1, 20, 5);
    public Conv2d Conv2 = new(20, 50, 5);
    public Linear Fc1 = new(4 * 4 * 50, 500);
    public Linear Fc2 = new(500, 10);

    public override Tensor Forward(Tensor x)
    {
        x = MaxPool2d(Relu(Conv1.Forward(x)), 2);
        x = MaxPool2d(Relu(Conv2.Forward(x)), 2);
        x = x.Reshape(-1, 4 * 4 * 50);
        x = Relu(Fc1.Forward(x));
        return LogSoftmax(Fc2.Forward(x), dim: 1);
    }
}
