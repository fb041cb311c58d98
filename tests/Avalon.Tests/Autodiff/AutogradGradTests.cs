using Avalon.Autodiff;
using Avalon.Tests.Primitives.GradCheck;

namespace Avalon.Tests.Autodiff;

/// <summary><c>Autograd.Grad</c> (PyTorch's <c>torch.autograd.grad</c>) on the eager graph.</summary>
public sealed class AutogradGradTests
{
    private static Tensor Loss(Tensor x, Tensor w) => ((x.MatMul(w)).Tanh() * x.MatMul(w)).Sum() + (w * w).Sum();

    [Fact]
    public void MatchesBackwardAndLeavesGradUntouched()
    {
        var g = new Generator(3);
        var x = Tensor.Randn([4, 3], g, DType.Float64).RequiresGrad_();
        var w = Tensor.Randn([3, 2], g, DType.Float64).RequiresGrad_();
        var grads = Autograd.Grad(Loss(x, w), [x, w]);
        Assert.Null(x.Grad);
        Assert.Null(w.Grad);
        Assert.False(grads[0]!.RequiresGrad);

        Loss(x, w).Backward();
        GradChecker.AssertClose(x.Grad!.ToDoubleArray(), grads[0]!.ToDoubleArray(), 1e-12, "dx");
        GradChecker.AssertClose(w.Grad!.ToDoubleArray(), grads[1]!.ToDoubleArray(), 1e-12, "dw");
    }

    [Fact]
    public void MatchesFiniteDifferences()
    {
        var g = new Generator(4);
        var x = Tensor.Randn([3, 3], g, DType.Float64).RequiresGrad_();
        var w = Tensor.Randn([3, 2], g, DType.Float64).RequiresGrad_();
        var grads = Autograd.Grad(Loss(x, w), [w, x]);
        Tensor F(Tensor[] a) => Loss(a[0], a[1]);
        GradChecker.AssertClose(GradChecker.Numeric(F, [x.Detach(), w.Detach()], 1), grads[0]!.ToDoubleArray(), 1e-6, "dw");
        GradChecker.AssertClose(GradChecker.Numeric(F, [x.Detach(), w.Detach()], 0), grads[1]!.ToDoubleArray(), 1e-6, "dx");
    }

    [Fact]
    public void CreateGraphGivesDifferentiableGradients()
    {
        var values = new[] { -1.5, 0.3, 2.0 };
        var x = Tensor.From(values).RequiresGrad_();
        var y = (x * x * x).Sum() + (x.Exp() * x).Sum();
        var dx = Autograd.Grad(y, [x], createGraph: true)[0]!;
        Assert.True(dx.RequiresGrad);
        // d/dx of sum(dx) is the Hessian's diagonal: 6x + e^x (2 + x).
        var d2 = Autograd.Grad(dx, [x], Tensor.OnesLike(dx))[0]!.ToDoubleArray();
        var first = dx.ToDoubleArray();
        for (int i = 0; i < values.Length; i++)
        {
            double v = values[i];
            Assert.Equal(3 * v * v + Math.Exp(v) * (1 + v), first[i], 12);
            Assert.Equal(6 * v + Math.Exp(v) * (2 + v), d2[i], 12);
        }
        Assert.Null(x.Grad);
    }

    [Fact]
    public void HessianVectorProductWithoutTouchingGrad()
    {
        var g = new Generator(5);
        var x = Tensor.Randn([4, 3], g, DType.Float64);
        var w = Tensor.Randn([3, 2], g, DType.Float64).RequiresGrad_();
        var v = Tensor.Randn([3, 2], g, DType.Float64);
        var gw = Autograd.Grad(Loss(x, w), [w], createGraph: true)[0]!;
        var hv = Autograd.Grad(gw, [w], v)[0]!;
        var expected = Func.Hvp(q => Loss(x, q), w.Detach(), v).Hvp;
        GradChecker.AssertClose(expected.ToDoubleArray(), hv.ToDoubleArray(), 1e-12, "Hv");
        Assert.Null(w.Grad);
    }

    [Fact]
    public void GradientWithRespectToAnIntermediateTensor()
    {
        var x = Tensor.From(new[] { 1.0, -2.0, 0.5 }).RequiresGrad_();
        var y = x * 3.0;
        var z = (y * y).Sum() + x.Sum();
        var grads = Autograd.Grad(z, [y, x]);
        Assert.Equal([6.0, -12.0, 3.0], grads[0]!.ToDoubleArray());
        Assert.Equal([19.0, -35.0, 10.0], grads[1]!.ToDoubleArray());   // 18x + 1
    }

    [Fact]
    public void SeveralOutputsAddTheirContributions()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 }).RequiresGrad_();
        var a = x * x;
        var b = x.Exp();
        var grads = Autograd.Grad([a, b], [x], [Tensor.From(new[] { 1.0, 10.0 }), Tensor.From(new[] { 2.0, 0.0 })]);
        var got = grads[0]!.ToDoubleArray();
        Assert.Equal(2 * 1.0 + 2 * Math.Exp(1.0), got[0], 12);
        Assert.Equal(10 * 2 * 2.0, got[1], 12);
    }

    [Fact]
    public void UnusedInputThrowsOrIsNullWithAllowUnused()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 }).RequiresGrad_();
        var unused = Tensor.From(new[] { 3.0 }).RequiresGrad_();
        var ex = Assert.Throws<InvalidOperationException>(() => Autograd.Grad((x * x).Sum(), [x, unused]));
        Assert.Contains("appears to not have been used in the graph", ex.Message);
        Assert.Contains("allowUnused", ex.Message);
        var grads = Autograd.Grad((x * x).Sum(), [x, unused], allowUnused: true);
        Assert.Equal([2.0, 4.0], grads[0]!.ToDoubleArray());
        Assert.Null(grads[1]);
    }

    [Fact]
    public void BadArgumentsAreReported()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 }).RequiresGrad_();
        var plain = Tensor.From(new[] { 1.0, 2.0 });
        var ex1 = Assert.Throws<ArgumentException>(() => Autograd.Grad((x * plain).Sum(), [plain]));
        Assert.Contains("does not require grad", ex1.Message);
        var ex2 = Assert.Throws<InvalidOperationException>(() => Autograd.Grad(plain.Sum(), [x]));
        Assert.Contains("element 0 of tensors does not require grad", ex2.Message);
        var ex3 = Assert.Throws<ArgumentException>(() => Autograd.Grad(x * 2.0, [x], Tensor.From(new[] { 1.0, 2.0, 3.0 })));
        Assert.Contains("Mismatch in shape", ex3.Message);
        var ex4 = Assert.Throws<InvalidOperationException>(() => Autograd.Grad(x * 2.0, [x]));
        Assert.Contains("implicitly created only for scalar outputs", ex4.Message);
    }

    [Fact]
    public void GraphIsFreedUnlessRetained()
    {
        var x = Tensor.From(new[] { 1.0, 2.0 }).RequiresGrad_();
        var y = (x.Exp() * x).Sum();
        var first = Autograd.Grad(y, [x], retainGraph: true)[0]!.ToDoubleArray();
        var second = Autograd.Grad(y, [x])[0]!.ToDoubleArray();
        Assert.Equal(first, second);
        var ex = Assert.Throws<InvalidOperationException>(() => Autograd.Grad(y, [x]));
        Assert.Contains("second time", ex.Message);
    }
}
