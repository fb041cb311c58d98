using Avalon.Autodiff;
using Avalon.Data;
using Avalon.Nn;
using Avalon.Optim;
using Avalon.Tests.Primitives.GradCheck;

namespace Avalon.Tests.Optim;

/// <summary>AdaHessian: one step against a direct float64 computation from the exact Hessian, and training a small CNN.</summary>
public sealed class AdaHessianTests
{
    private static readonly Tensor X = Tensor.Randn([5, 3], new Generator(31), DType.Float64);
    private static readonly Tensor Y = Tensor.Randn([5, 2], new Generator(32), DType.Float64);

    // A least-squares fit with a 2-D weight, a bias and a 4-D (kernel-shaped) parameter coupled to the weight.
    private static Tensor Loss(Tensor w, Tensor b, Tensor k)
    {
        var r = X.MatMul(w) + b - Y;
        return (r * r).Mean() + (k * k).Sum() * (w * w).Sum() * 0.1 + (k * k * k * k).Sum() * 0.05;
    }

    private static Tensor FlatLoss(Tensor theta) =>
        Loss(theta.Narrow(0, 0, 6).Reshape(3, 2), theta.Narrow(0, 6, 2), theta.Narrow(0, 8, 8).Reshape(2, 1, 2, 2));

    private static (Tensor W, Tensor B, Tensor K) Parameters()
    {
        var g = new Generator(33);
        return (Tensor.Randn([3, 2], g, DType.Float64).RequiresGrad_(), Tensor.Randn([2], g, DType.Float64).RequiresGrad_(),
            Tensor.Randn([2, 1, 2, 2], g, DType.Float64).RequiresGrad_());
    }

    [Fact]
    public void OneStepEqualsTheUpdateFromTheExactHessian()
    {
        const double lr = 0.15, beta1 = 0.9, beta2 = 0.999, eps = 1e-4, weightDecay = 0.01, power = 0.5;
        var (w, b, k) = Parameters();
        var theta = Tensor.Cat([w.Detach().Flatten(), b.Detach(), k.Detach().Flatten()]);
        var hess = Func.Hessian(FlatLoss, theta).ToDoubleArray();
        var grad = Func.Grad(FlatLoss)(theta).ToDoubleArray();
        var zGen = new Generator(99);
        var z = Tensor.Cat([AdaHessian.Rademacher(w, zGen).Flatten(), AdaHessian.Rademacher(b, zGen), AdaHessian.Rademacher(k, zGen).Flatten()]).ToDoubleArray();
        Assert.All(z, v => Assert.True(v == 1 || v == -1));
        int n = theta.Numel;
        Assert.Equal(16, n);

        // D = z ⊙ (H z); the kernel's block is averaged in absolute value over its 2×2 spatial window.
        var d = new double[n];
        for (int i = 0; i < n; i++)
        {
            double hz = 0;
            for (int j = 0; j < n; j++) hz += hess[i * n + j] * z[j];
            d[i] = z[i] * hz;
        }
        for (int window = 0; window < 2; window++)
        {
            int start = 8 + 4 * window;
            double mean = 0;
            for (int s = 0; s < 4; s++) mean += Math.Abs(d[start + s]) / 4;
            for (int s = 0; s < 4; s++) d[start + s] = mean;
        }
        var p0 = theta.ToDoubleArray();
        var expected = new double[n];
        for (int i = 0; i < n; i++)
        {
            double m = (1 - beta1) * grad[i];
            double v = (1 - beta2) * d[i] * d[i];
            double denom = Math.Pow(v / (1 - beta2), power / 2) + eps;
            expected[i] = p0[i] * (1 - lr * weightDecay) - lr / (1 - beta1) * m / denom;
        }

        var optimizer = new AdaHessian([w, b, k], lr, (beta1, beta2), eps, weightDecay, power, generator: new Generator(99));
        Loss(w, b, k).Backward(createGraph: true);
        optimizer.Step();
        var got = Tensor.Cat([w.Flatten(), b, k.Flatten()]).ToDoubleArray();
        GradChecker.AssertClose(expected, got, 1e-12, "θ after one step");
        var diag = Tensor.Cat(new[] { w, b, k }.Select(p => ((Tensor)optimizer.GetState(p)!["hessian_diag"]).Flatten()).ToArray()).ToDoubleArray();
        GradChecker.AssertClose(d, diag, 1e-12, "Hessian diagonal estimate");
    }

    [Fact]
    public void UpdateEachKeepsTheEstimateBetweenRecomputations()
    {
        var (w, b, k) = Parameters();
        var optimizer = new AdaHessian([w, b, k], updateEach: 2, nSamples: 3, generator: new Generator(5));
        double[] Diag() => ((Tensor)optimizer.GetState(w)!["hessian_diag"]).ToDoubleArray();
        Loss(w, b, k).Backward(createGraph: true);
        optimizer.Step();
        var first = Diag();
        optimizer.ZeroGrad();
        Loss(w, b, k).Backward(createGraph: true);
        optimizer.Step();
        Assert.Equal(first, Diag());
        Assert.Equal(2.0, optimizer.GetState(w)!["hessian_step"]);
        optimizer.ZeroGrad();
        Loss(w, b, k).Backward(createGraph: true);
        optimizer.Step();
        Assert.NotEqual(first, Diag());
        Assert.Equal(3.0, optimizer.GetState(w)!["step"]);

        // The state round-trips through a state dict.
        var (w2, b2, k2) = Parameters();
        var restored = new AdaHessian([w2, b2, k2], updateEach: 2, nSamples: 3);
        restored.LoadStateDict(optimizer.StateDict());
        Assert.Equal(Diag(), ((Tensor)restored.GetState(w2)!["hessian_diag"]).ToDoubleArray());
        Assert.Equal(3.0, restored.GetState(w2)!["hessian_step"]);
    }

    [Fact]
    public void GradientsWithoutAGraphAndBadHyperparametersAreReported()
    {
        var (w, b, k) = Parameters();
        var optimizer = new AdaHessian([w, b, k]);
        Loss(w, b, k).Backward();
        var ex = Assert.Throws<InvalidOperationException>(() => optimizer.Step());
        Assert.Contains("createGraph: true", ex.Message);
        Assert.Contains("hessian_power", Assert.Throws<ArgumentOutOfRangeException>(() => new AdaHessian([w], hessianPower: 1.5)).Message);
        Assert.Contains("update_each", Assert.Throws<ArgumentOutOfRangeException>(() => new AdaHessian([w], updateEach: 0)).Message);
        Assert.Contains("n_samples", Assert.Throws<ArgumentOutOfRangeException>(() => new AdaHessian([w], nSamples: 0)).Message);
        Assert.Contains("learning rate", Assert.Throws<ArgumentOutOfRangeException>(() => new AdaHessian([w], lr: -1)).Message);
    }

    private sealed class SmallCnn : Module
    {
        public Conv2d Conv = new(1, 4, 5, stride: 2, generator: new Generator(41));
        public Linear Fc = new(4 * 12 * 12, 10, generator: new Generator(42));

        public override Tensor Forward(Tensor x) => Fc.Forward(Conv.Forward(x).Tanh().Flatten(1));
    }

    [Fact]
    public void TrainsASmallCnnOnFashionMnist()
    {
        RawImageSet set = FashionMnist.Load(DatasetSplit.Train, new DatasetLoadOptions { UseEmbeddedSample = true });
        const int batch = 64, steps = 12;
        var order = Enumerable.Range(0, set.Count).OrderBy(i => (i * 2654435761L) % set.Count).Take(batch * 2).ToArray();
        (Tensor Images, Tensor Labels) Batch(int first)
        {
            var pixels = new float[batch * 28 * 28];
            var labels = new long[batch];
            for (int i = 0; i < batch; i++)
            {
                int index = order[first + i];
                var image = set.Image(index);
                for (int j = 0; j < image.Length; j++) pixels[i * 784 + j] = image[j] / 255f;
                labels[i] = set.Labels[index];
            }
            return (Tensor.From(pixels).Reshape(batch, 1, 28, 28), Tensor.From(labels));
        }
        var batches = new[] { Batch(0), Batch(batch) };
        var model = new SmallCnn();
        var optimizer = new AdaHessian(model.Parameters(), lr: 0.05, generator: new Generator(43));
        double Evaluate()
        {
            using var noGrad = new NoGrad();
            return batches.Average(bt => Functional.CrossEntropy(model.Forward(bt.Images), bt.Labels).Item());
        }
        double before = Evaluate();
        for (int s = 0; s < steps; s++)
        {
            var (images, labels) = batches[s % 2];
            optimizer.Step(() =>
            {
                optimizer.ZeroGrad();
                var loss = Functional.CrossEntropy(model.Forward(images), labels);
                loss.Backward(createGraph: true);
                return loss;
            });
        }
        double after = Evaluate();
        Assert.True(double.IsFinite(after), $"loss became {after}");
        Assert.True(after < 0.8 * before, $"the loss did not fall enough: {before:F4} → {after:F4}");
        var convDiag = (Tensor)optimizer.GetState(model.Conv.Weight)!["hessian_diag"];
        var d = convDiag.ToDoubleArray();
        // Spatially averaged: every 5×5 window of the conv weight's estimate holds one value.
        for (int w = 0; w < 4; w++)
            for (int s = 1; s < 25; s++) Assert.Equal(d[w * 25], d[w * 25 + s]);
    }
}
