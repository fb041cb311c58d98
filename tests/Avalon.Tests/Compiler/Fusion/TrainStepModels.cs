using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Tests.Compiler.Fusion;

/// <summary>The benchmark models (as src/Avalon.Cli/Bench/Models defines them), built from fixed generators, and their traced training steps.</summary>
internal static class TrainStepModels
{
    /// <summary>Conv(1,16,3,p1)-relu-pool2 → Conv(16,32,3,p1)-relu-pool2 → Conv(32,32,3,p1)-relu-pool2 → Linear(288,10) → log_softmax.</summary>
    public sealed class Cnn : Module
    {
        public Conv2d C1 = new(1, 16, 3, padding: 1, generator: new Generator(1));
        public Conv2d C2 = new(16, 32, 3, padding: 1, generator: new Generator(2));
        public Conv2d C3 = new(32, 32, 3, padding: 1, generator: new Generator(3));
        public Linear Fc = new(288, 10, generator: new Generator(4));

        public override Tensor Forward(Tensor x)
        {
            x = MaxPool2d(Relu(C1.Forward(x)), 2);
            x = MaxPool2d(Relu(C2.Forward(x)), 2);
            x = MaxPool2d(Relu(C3.Forward(x)), 2);
            return LogSoftmax(Fc.Forward(x.Flatten(1)), dim: 1);
        }
    }

    /// <summary>Conv(1,20,5)-relu-pool2 → Conv(20,50,5)-relu-pool2 → Linear(800,500)-relu → Linear(500,10) → log_softmax.</summary>
    public sealed class LeNet : Module
    {
        public Conv2d Conv1 = new(1, 20, 5, generator: new Generator(5));
        public Conv2d Conv2 = new(20, 50, 5, generator: new Generator(6));
        public Linear Fc1 = new(800, 500, generator: new Generator(7));
        public Linear Fc2 = new(500, 10, generator: new Generator(8));

        public override Tensor Forward(Tensor x)
        {
            x = MaxPool2d(Relu(Conv1.Forward(x)), 2);
            x = MaxPool2d(Relu(Conv2.Forward(x)), 2);
            x = Relu(Fc1.Forward(x.Reshape(-1, 800)));
            return LogSoftmax(Fc2.Forward(x), dim: 1);
        }
    }

    /// <summary>784 → 500 (relu) → μ, log σ² (5); z = μ + ε·exp(log σ² / 2); 5 → 500 (relu) → 784 (sigmoid); loss BCE (sum) + KLD.</summary>
    public sealed class Vae : Module
    {
        public Linear Enc = new(784, 500, generator: new Generator(9));
        public Linear Mu = new(500, 5, generator: new Generator(10));
        public Linear LogVar = new(500, 5, generator: new Generator(11));
        public Linear Dec1 = new(5, 500, generator: new Generator(12));
        public Linear Dec2 = new(500, 784, generator: new Generator(13));

        /// <summary>The generator of ε (reseed it to replay a step).</summary>
        public Generator Noise { get; } = new(14);

        public override Tensor Forward(Tensor x) => throw new NotSupportedException("use Loss");

        public Tensor Loss(Tensor x)
        {
            var h = Relu(Enc.Forward(x));
            Tensor mu = Mu.Forward(h), logVar = LogVar.Forward(h);
            var z = mu + Tensor.Randn(mu.Shape.ToArray(), Noise) * (logVar * 0.5).Exp();
            var reconstruction = Sigmoid(Dec2.Forward(Relu(Dec1.Forward(z))));
            var bce = BinaryCrossEntropy(reconstruction, x, reduction: Reduction.Sum);
            var kld = -0.5 * (1.0 + logVar - mu.Pow(2) - logVar.Exp()).Sum();
            return bce + kld;
        }
    }

    /// <summary>A fresh batch for the model's step (after its parameters, the step tape's inputs).</summary>
    public static Tensor[] Batch(string model, int batch, int seed) => model == "vae"
        ? [Tensor.Rand([batch, 784], new Generator((ulong)seed))]
        : [Tensor.Randn([batch, 1, 28, 28], new Generator((ulong)seed)), Tensor.RandInt(0, 10, [batch], new Generator((ulong)seed + 1000))];

    /// <summary>A traced training step (forward and backward) of one of the models on a batch of <paramref name="batch"/>.</summary>
    public static (Avalon.Autodiff.StepTape Step, Module Model, Generator? Noise) Trace(string model, int batch)
    {
        switch (model)
        {
            case "cnn":
            {
                var m = new Cnn();
                return (Avalon.Autodiff.Grad.TraceStep(m, b => [NllLoss(m.Forward(b[0]), b[1])],
                    Tensor.Randn([batch, 1, 28, 28], new Generator(20)), Tensor.RandInt(0, 10, [batch], new Generator(21))), m, null);
            }
            case "lenet":
            {
                var m = new LeNet();
                return (Avalon.Autodiff.Grad.TraceStep(m, b => [NllLoss(m.Forward(b[0]), b[1])],
                    Tensor.Randn([batch, 1, 28, 28], new Generator(22)), Tensor.RandInt(0, 10, [batch], new Generator(23))), m, null);
            }
            case "vae":
            {
                var m = new Vae();
                return (Avalon.Autodiff.Grad.TraceStep(m, b => [m.Loss(b[0])], Tensor.Rand([batch, 784], new Generator(24))), m, m.Noise);
            }
            default: throw new ArgumentException(model);
        }
    }
}
