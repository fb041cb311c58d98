using Avalon.Autodiff;

namespace Avalon.Tests.Autodiff;

public class SmokeTests
{
    [Fact]
    public void GradOfProductSum()
    {
        var x = Tensor.From(new float[] { 1, 2, 3 });
        var w = Tensor.From(new float[] { 4, 5, 6 });
        var r = Grad.Of(a => (a[0] * a[1]).Sum(), x, w);
        Assert.Equal(32, r.Value.Item());
        Assert.Equal(new float[] { 4, 5, 6 }, r.Gradients[0].ToArray<float>());
        Assert.Equal(new float[] { 1, 2, 3 }, r.Gradients[1].ToArray<float>());
        var replay = r.Tape.Run(Tensor.From(new float[] { 1, 1, 1 }), w);
        Assert.Equal(15, replay[0].Item());
        Assert.Contains("mul(", r.Tape.ToString());
    }

    [Fact]
    public void EagerBackwardBroadcast()
    {
        var x = Tensor.From(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3).RequiresGrad_();
        var b = Tensor.From(new float[] { 1, 1, 1 }).RequiresGrad_();
        var y = ((x + b) * (x + b)).Sum();
        y.Backward();
        Assert.Equal(new float[] { 4, 6, 8, 10, 12, 14 }, x.Grad!.ToArray<float>());
        Assert.Equal(new float[] { 14, 18, 22 }, b.Grad!.ToArray<float>());
    }

    [Fact]
    public void SecondOrder()
    {
        // f(x) = sum(x^3); grad = 3x^2; d/dx of sum(grad * v) = 6 x v
        var x = Tensor.From(new double[] { 1, 2, 3 });
        var v = Tensor.From(new double[] { 1, 0.5, 2 });
        var r = Grad.Of(a => (Grad.Of(z => (z * z * z).Sum(), a).Gradient * v).Sum(), x);
        Assert.Equal(new double[] { 6, 6, 36 }, r.Gradient.ToArray<double>());
    }

    [Fact]
    public void ViewsAndFormat()
    {
        var x = Tensor.Arange(12.0).Reshape(3, 4);
        Assert.Equal(new float[] { 1, 5, 9 }, x[.., 1].ToArray<float>());
        Assert.Equal(new float[] { 4, 5, 6, 7 }, x[1].ToArray<float>());
        Assert.Equal(new float[] { 0, 4, 8, 1, 5, 9 }, x.T[..2].ToArray<float>());
        Assert.Equal("tensor([[ 0.,  1.,  2.,  3.],\n        [ 4.,  5.,  6.,  7.],\n        [ 8.,  9., 10., 11.]])", x.ToString());
    }
}

public class MatMulSmokeTests
{
    [Fact]
    public void MatMulShapesAndGrad()
    {
        var a = Tensor.Arange(6.0).Reshape(2, 3);
        var b = Tensor.Arange(12.0).Reshape(3, 4);
        Assert.Equal(new float[] { 20, 23, 26, 29, 56, 68, 80, 92 }, a.MatMul(b).ToArray<float>());
        Assert.Equal(new float[] { 20, 56 }, a.MatMul(b[.., 0]).ToArray<float>());
        var batched = Tensor.Arange(24.0).Reshape(2, 3, 4);
        Assert.Equal(new[] { 2, 2, 4 }, a.MatMul(batched).Shape.ToArray());
        var g = Grad.Of(x => x.MatMul(b).Sum(), a).Gradient;
        Assert.Equal(new float[] { 6, 22, 38, 6, 22, 38 }, g.ToArray<float>());
        Assert.Equal(a.T.MatMul(a).ToArray<float>(), a.T.Contiguous().MatMul(a).ToArray<float>());
    }
}
