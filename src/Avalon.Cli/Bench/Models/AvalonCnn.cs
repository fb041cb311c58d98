using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Cli.Bench.Models;

/// <summary>
/// Avalon.jl's benchmark CNN, as torch_cnn.py --model avalon defines it:
/// Conv(1,16,3,p1)-relu-pool2 → Conv(16,32,3,p1)-relu-pool2 → Conv(32,32,3,p1)-relu-pool2 → Linear(288,10) → log_softmax.
/// </summary>
internal sealed class AvalonCnn : Module
{
    public Conv2d C1 = new(1, 16, 3, padding: 1);
    public Conv2d C2 = new(16, 32, 3, padding: 1);
    public Conv2d C3 = new(32, 32, 3, padding: 1);
    public Linear Fc = new(288, 10);

    public override Tensor Forward(Tensor x)
    {
        x = MaxPool2d(Relu(C1.Forward(x)), 2);   // 28 -> 14
        x = MaxPool2d(Relu(C2.Forward(x)), 2);   // 14 -> 7
        x = MaxPool2d(Relu(C3.Forward(x)), 2);   // 7 -> 3
        x = x.Flatten(1);                        // 32*3*3 = 288
        return LogSoftmax(Fc.Forward(x), dim: 1);
    }
}
