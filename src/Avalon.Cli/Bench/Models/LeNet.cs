using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Cli.Bench.Models;

/// <summary>
/// The seed README's CNN (the model of samples/FashionMnist/Net.cs and of torch_cnn.py --model lenet):
/// Conv(1,20,5)-relu-pool2 → Conv(20,50,5)-relu-pool2 → Linear(800,500)-relu → Linear(500,10) → log_softmax.
/// </summary>
internal sealed class LeNet : Module
{
    public Conv2d Conv1 = new(1, 20, 5);
    public Conv2d Conv2 = new(20, 50, 5);
    public Linear Fc1 = new(4 * 4 * 50, 500);
    public Linear Fc2 = new(500, 10);

    public override Tensor Forward(Tensor x)
    {
        x = MaxPool2d(Relu(Conv1.Forward(x)), 2);   // 28 -> 24 -> 12
        x = MaxPool2d(Relu(Conv2.Forward(x)), 2);   // 12 -> 8 -> 4
        x = x.Reshape(-1, 4 * 4 * 50);
        x = Relu(Fc1.Forward(x));
        return LogSoftmax(Fc2.Forward(x), dim: 1);
    }
}
