using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Cli.Bench.Models;

/// <summary>
/// The VAE of torch_vae.py: 784 → 500 (relu) → μ, log σ² (5); z = μ + ε·exp(log σ² / 2);
/// 5 → 500 (relu) → 784 (sigmoid). ε comes from the default generator, as torch.randn_like does.
/// </summary>
internal sealed class BenchVae : Module
{
    public Linear Enc = new(784, 500);
    public Linear Mu = new(500, 5);
    public Linear LogVar = new(500, 5);
    public Linear Dec1 = new(5, 500);
    public Linear Dec2 = new(500, 784);

    public (Tensor Reconstruction, Tensor Mu, Tensor LogVar) Run(Tensor x)
    {
        var h = Relu(Enc.Forward(x));
        Tensor mu = Mu.Forward(h), logVar = LogVar.Forward(h);
        var z = mu + Tensor.Randn(mu.Shape.ToArray()) * (logVar * 0.5).Exp();
        return (Sigmoid(Dec2.Forward(Relu(Dec1.Forward(z)))), mu, logVar);
    }

    /// <summary>BCE (summed) + KLD, as vae_loss in torch_vae.py.</summary>
    public static Tensor Loss(Tensor reconstruction, Tensor x, Tensor mu, Tensor logVar)
    {
        var bce = BinaryCrossEntropy(reconstruction, x, reduction: Reduction.Sum);
        var kld = -0.5 * (1.0 + logVar - mu.Pow(2) - logVar.Exp()).Sum();
        return bce + kld;
    }
}
