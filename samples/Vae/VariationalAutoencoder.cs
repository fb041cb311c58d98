using Avalon;
using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Samples.Vae;

/// <summary>The benchmark VAE: 784 → 500 (relu) → μ, log σ² (5) → 500 (relu) → 784 (sigmoid).</summary>
public sealed class VariationalAutoencoder : Module
{
    /// <summary>Encoder hidden layer.</summary>
    public Linear Fc1 = new(784, 500);

    /// <summary>Mean of the latent code.</summary>
    public Linear Fc21 = new(500, 5);

    /// <summary>Log-variance of the latent code.</summary>
    public Linear Fc22 = new(500, 5);

    /// <summary>Decoder hidden layer.</summary>
    public Linear Fc3 = new(5, 500);

    /// <summary>Decoder output layer.</summary>
    public Linear Fc4 = new(500, 784);

    /// <summary>μ and log σ² of q(z | x) for a batch of flattened images.</summary>
    public (Tensor Mu, Tensor LogVar) Encode(Tensor x)
    {
        var h = Relu(Fc1.Forward(x));
        return (Fc21.Forward(h), Fc22.Forward(h));
    }

    /// <summary>Pixel probabilities for latent codes.</summary>
    public Tensor Decode(Tensor z) => Sigmoid(Fc4.Forward(Relu(Fc3.Forward(z))));

    /// <summary>z = μ + σ·ε with ε drawn from <paramref name="generator"/> (the reparameterisation trick).</summary>
    public static Tensor Reparameterize(Tensor mu, Tensor logVar, Generator generator)
    {
        var eps = Tensor.Randn(mu.Shape.ToArray(), generator);
        return mu + eps * (logVar * 0.5).Exp();
    }

    /// <summary>Reconstruction, μ and log σ² for a batch.</summary>
    public (Tensor Reconstruction, Tensor Mu, Tensor LogVar) Forward(Tensor x, Generator generator)
    {
        var (mu, logVar) = Encode(x.Reshape(-1, 784));
        return (Decode(Reparameterize(mu, logVar, generator)), mu, logVar);
    }

    /// <summary>Reconstruction BCE (summed) plus the KL divergence from the unit Gaussian.</summary>
    public static Tensor Loss(Tensor reconstruction, Tensor x, Tensor mu, Tensor logVar)
    {
        var bce = BinaryCrossEntropy(reconstruction, x.Reshape(-1, 784), reduction: Reduction.Sum);
        var kld = -0.5 * (1.0 + logVar - mu * mu - logVar.Exp()).Sum();
        return bce + kld;
    }
}
