using Avalon.Autodiff;
using Avalon.Tests.Primitives.GradCheck;

namespace Avalon.Tests.Autodiff;

public class HessianVectorProductTests
{
    // A two-layer MLP with a smooth activation (tanh-free: x * sigmoid-like via exp) written with primitives
    // that exist in the core: loss = sum(log(1 + exp(x W1 + b1)) W2)^2.
    private static Tensor Loss(Tensor[] p, Tensor x)
    {
        var h = x.MatMul(p[0]) + p[1];
        var act = (h.Exp() + 1.0).Log();            // softplus
        var y = act.MatMul(p[2]);
        return (y * y).Mean();
    }

    [Fact]
    public void HvpOfSmallMlpMatchesFiniteDifferencesOfTheGradient()
    {
        var g = new Generator(42);
        var x = Tensor.Randn([4, 3], g, DType.Float64);
        var parameters = new[]
        {
            Tensor.Randn([3, 5], g, DType.Float64),
            Tensor.Randn([5], g, DType.Float64),
            Tensor.Randn([5, 2], g, DType.Float64),
        };
        var v = parameters.Select(t => Tensor.Randn(t.Shape.ToArray(), g, DType.Float64)).ToArray();

        // Hv = d/dp (grad(p) · v), by nesting Grad.Of.
        Tensor GradDotV(Tensor[] p)
        {
            var grads = Grad.Of(q => Loss(q, x), p).Gradients;
            var acc = (grads[0] * v[0]).Sum();
            for (int i = 1; i < grads.Length; i++) acc = acc + (grads[i] * v[i]).Sum();
            return acc;
        }
        var hv = Grad.Of(GradDotV, parameters).Gradients;

        // Finite differences of the gradient along v: (grad(p + h v) - grad(p - h v)) / 2h.
        const double h = 1e-5;
        Tensor[] Shift(double s) => parameters.Select((t, i) => t + v[i] * s).ToArray();
        var gPlus = Grad.Of(q => Loss(q, x), Shift(h)).Gradients;
        var gMinus = Grad.Of(q => Loss(q, x), Shift(-h)).Gradients;
        for (int i = 0; i < parameters.Length; i++)
        {
            var numeric = ((gPlus[i] - gMinus[i]) / (2 * h)).ToDoubleArray();
            GradChecker.AssertClose(numeric, hv[i].ToDoubleArray(), 1e-6, $"Hv block {i}");
        }

        // The same product through eager Backward with createGraph.
        var leaves = parameters.Select(t => t.Detach().RequiresGrad_()).ToArray();
        var loss = Loss(leaves, x);
        loss.Backward(createGraph: true);
        var firstGrads = leaves.Select(l => l.Grad!).ToArray();
        foreach (var l in leaves) l.Grad = null;
        var dot = (firstGrads[0] * v[0]).Sum() + (firstGrads[1] * v[1]).Sum() + (firstGrads[2] * v[2]).Sum();
        dot.Backward();
        for (int i = 0; i < leaves.Length; i++)
            GradChecker.AssertClose(hv[i].ToDoubleArray(), leaves[i].Grad!.ToDoubleArray(), 1e-9, $"eager Hv block {i}");
    }
}
