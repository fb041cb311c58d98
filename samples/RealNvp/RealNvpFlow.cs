using Avalon.Nn;

namespace Avalon.Samples.RealNvp;

/// <summary>A RealNVP flow for 2-d points: alternating affine couplings over a standard normal base density.</summary>
public sealed class RealNvpFlow : Module
{
    /// <summary>Creates <paramref name="couplings"/> layers, alternating which coordinate is kept.</summary>
    public RealNvpFlow(int couplings = 8, int hidden = 64)
    {
        Layers = new ModuleList(Enumerable.Range(0, couplings).Select(i => (Module)new AffineCoupling(i % 2 == 0, hidden)));
    }

    /// <summary>The coupling layers, data side first.</summary>
    public ModuleList Layers;

    /// <summary>log p(x) per row of <paramref name="x"/> <c>[N, 2]</c>: log N(f(x); 0, I) + log |det ∂f/∂x|.</summary>
    public Tensor LogProb(Tensor x)
    {
        Tensor? logDet = null;
        foreach (var layer in Layers)
        {
            var (y, ld) = ((AffineCoupling)layer).Forward2(x);
            x = y;
            logDet = logDet is null ? ld : logDet + ld;
        }
        var baseLogProb = -0.5 * (x * x).Sum(1) - Math.Log(2 * Math.PI);
        return baseLogProb + logDet!;
    }

    /// <summary>Points drawn from the flow: base normal samples sent back through the inverse layers.</summary>
    public Tensor Sample(int count, Generator generator)
    {
        var z = Tensor.Randn([count, 2], generator);
        for (int i = Layers.Count - 1; i >= 0; i--) z = ((AffineCoupling)Layers[i]).Inverse(z);
        return z;
    }

    /// <summary>The latent code f(x).</summary>
    public override Tensor Forward(Tensor input)
    {
        foreach (var layer in Layers) input = layer.Forward(input);
        return input;
    }
}
