using Avalon.Nn;
using static Avalon.Nn.Functional;

namespace Avalon.Samples.BetaVae;

/// <summary>
/// A β-VAE (Higgins et al., 2017) for 28×28 images: 784 → 400 (relu) → μ, log σ² (<see cref="Latent"/>) →
/// 400 (relu) → 784 (sigmoid), trained with reconstruction BCE + β · KL; β &gt; 1 pushes the latent
/// dimensions towards independent factors, which the traversal picture shows.
/// </summary>
public sealed class BetaVariationalAutoencoder : Module
{
    /// <summary>Creates the model with <paramref name="latent"/> latent dimensions.</summary>
    public BetaVariationalAutoencoder(int latent = 10)
    {
        Latent = latent;
        FcMu = new Linear(400, latent);
        FcLogVar = new Linear(400, latent);
        Fc3 = new Linear(latent, 400);
    }

    /// <summary>The number of latent dimensions.</summary>
    public int Latent { get; }

    /// <summary>Encoder hidden layer.</summary>
    public Linear Fc1 = new(784, 400);

    /// <summary>Mean of q(z | x).</summary>
    public Linear FcMu;

    /// <summary>Log-variance of q(z | x).</summary>
    public Linear FcLogVar;

    /// <summary>Decoder hidden layer.</summary>
    public Linear Fc3;

    /// <summary>Decoder output layer.</summary>
    public Linear Fc4 = new(400, 784);

    /// <summary>μ and log σ² for a batch of images (any shape with 784 values per image).</summary>
    public (Tensor Mu, Tensor LogVar) Encode(Tensor x)
    {
        var h = Relu(Fc1.Forward(x.Reshape(-1, 784)));
        return (FcMu.Forward(h), FcLogVar.Forward(h));
    }

    /// <summary>Pixel probabilities <c>[N, 784]</c> for latent codes <c>[N, Latent]</c>.</summary>
    public Tensor Decode(Tensor z) => Sigmoid(Fc4.Forward(Relu(Fc3.Forward(z))));

    /// <summary>The reconstruction of the posterior mean (deterministic), <c>[N, 784]</c>.</summary>
    public override Tensor Forward(Tensor input) => Decode(Encode(input).Mu);

    /// <summary>Per-image loss terms for a batch: reconstruction BCE and KL divergence from N(0, I), each summed over the batch, and the per-dimension KL <c>[Latent]</c>.</summary>
    public (Tensor Reconstruction, Tensor Kl, Tensor KlPerDimension) Terms(Tensor x, Generator noise)
    {
        var (mu, logVar) = Encode(x);
        var z = mu + Tensor.Randn(mu.Shape.ToArray(), noise) * (logVar * 0.5).Exp();
        var bce = BinaryCrossEntropy(Decode(z), x.Reshape(-1, 784), reduction: Reduction.Sum);
        var klPerDimension = (-0.5 * (1.0 + logVar - mu * mu - logVar.Exp())).Sum(0);
        return (bce, klPerDimension.Sum(), klPerDimension);
    }
}
