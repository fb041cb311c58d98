using Avalon.Autodiff;

namespace Avalon.Tests.Autodiff;

/// <summary>
/// An in-place write through a view reaches the viewed tensor's history (PyTorch's view rebase): later
/// uses of the base see and differentiate through the write, eagerly and on tapes, and replays agree.
/// </summary>
public class ViewInPlaceTests
{
    private static readonly double[] X = [1, -2, 3, 0.5];

    // y = sum(b²) where b = 2x with its first two elements then multiplied by x[0..2].
    private static Tensor ThroughSlice(Tensor x)
    {
        var b = x * 2;
        b.Narrow(0, 0, 2).Mul_(x.Narrow(0, 0, 2));
        return (b * b).Sum();
    }

    // The same function written without views or in-place calls.
    private static double[] ThroughSliceGradient(double[] x)
    {
        var g = new double[x.Length];
        for (int i = 0; i < x.Length; i++)
            g[i] = i < 2 ? 16 * x[i] * x[i] * x[i] : 8 * x[i];   // d(4x⁴)/dx, d(4x²)/dx
        return g;
    }

    [Fact]
    public void EagerGradientSeesAWriteThroughASlice()
    {
        var x = Tensor.From(X).RequiresGrad_();
        var y = ThroughSlice(x);
        y.Backward();
        double expected = 0;
        for (int i = 0; i < X.Length; i++) expected += i < 2 ? 4 * Math.Pow(X[i], 4) : 4 * X[i] * X[i];
        Assert.Equal(expected, y.Item(), 12);
        AssertClose(ThroughSliceGradient(X), x.Grad!.ToArray<double>());
    }

    [Fact]
    public void TapeGradientAndReplaySeeAWriteThroughASlice()
    {
        var r = Grad.Of((Tensor[] a) => ThroughSlice(a[0]), Tensor.From(X));
        AssertClose(ThroughSliceGradient(X), r.Gradients[0].ToArray<double>());
        r.Tape.Validate();
        double[] x1 = [0.25, 3, -1, 2];
        var replay = r.Tape.Run(Tensor.From(x1));
        Assert.Equal(ThroughSlice(Tensor.From(x1)).Item(), replay[0].Item(), 12);
        AssertClose(ThroughSliceGradient(x1), replay[1].ToArray<double>());
    }

    [Fact]
    public void AWriteThroughAViewOfAViewReachesTheRoot()
    {
        // b is 2×2; t = bᵀ; t's first row is b's first column; adding to it changes b[0,0] and b[1,0].
        static Tensor F(Tensor x)
        {
            var b = x.Reshape(2, 2) * 1;
            var t = b.Transpose(0, 1);
            t.Narrow(0, 0, 1).Mul_(3);
            return (b * b * b).Sum();
        }
        // Elements 0 and 2 (the first column) are tripled: d(27x³)/dx = 81x², others 3x².
        double[] expected = [81 * X[0] * X[0], 3 * X[1] * X[1], 81 * X[2] * X[2], 3 * X[3] * X[3]];
        var x = Tensor.From(X).RequiresGrad_();
        F(x).Backward();
        AssertClose(expected, x.Grad!.ToArray<double>());
        var r = Grad.Of((Tensor[] a) => F(a[0]), Tensor.From(X));
        AssertClose(expected, r.Gradients[0].ToArray<double>());
    }

    [Fact]
    public void AWriteIntoOneSplitPartReachesTheWhole()
    {
        static Tensor F(Tensor x)
        {
            var b = x * 1;
            var parts = b.Split(2);
            parts[1].Mul_(parts[1]);     // b[2..4] squared
            return (b * b).Sum();
        }
        double[] expected = [2 * X[0], 2 * X[1], 4 * Math.Pow(X[2], 3), 4 * Math.Pow(X[3], 3)];
        var x = Tensor.From(X).RequiresGrad_();
        F(x).Backward();
        AssertClose(expected, x.Grad!.ToArray<double>());
        var r = Grad.Of((Tensor[] a) => F(a[0]), Tensor.From(X));
        AssertClose(expected, r.Gradients[0].ToArray<double>());
    }

    [Fact]
    public void CopyingATensorThatNeedsAGradientIntoAViewMakesTheBaseNeedOne()
    {
        var w = Tensor.From(new double[] { 2, -3 }).RequiresGrad_();
        var b = Tensor.Zeros([4], DType.Float64);
        b.Narrow(0, 1, 2).Copy_(w);
        Assert.True(b.RequiresGrad);
        (b * b).Sum().Backward();
        Assert.Equal(new double[] { 4, -6 }, w.Grad!.ToArray<double>());
        Assert.Equal(new double[] { 0, 2, -3, 0 }, b.Detach().ToArray<double>());
    }

    [Fact]
    public void WritingThroughAViewOfALeafThatRequiresGradRaises()
    {
        var x = Tensor.From(X).RequiresGrad_();
        var ex = Assert.Throws<InvalidOperationException>(() => x.Narrow(0, 0, 2).Add_(1));
        Assert.Contains("add_", ex.Message);
        Assert.Contains("view of a leaf", ex.Message);
        using (new NoGrad()) x.Narrow(0, 0, 2).Add_(1);   // allowed without gradient tracking, as in PyTorch
        Assert.Equal(2, x.Detach().ToArray<double>()[0]);
    }

    [Fact]
    public void WithoutGradientsOrTapesNothingIsRecorded()
    {
        var b = Tensor.From(X);
        b.Narrow(0, 0, 2).Mul_(2);
        Assert.False(b.RequiresGrad);
        Assert.Null(b.GradFn);
        Assert.Equal(new double[] { 2, -4, 3, 0.5 }, b.ToArray<double>());
    }

    [Fact]
    public void MultiplyingATensorByItselfInPlaceReadsTheOldValueTwice()
    {
        var x = Tensor.From(X).RequiresGrad_();
        var b = x * 1;
        b.Mul_(b);
        (b * b).Sum().Backward();   // b = x², y = x⁴
        double[] expected = [.. X.Select(v => 4 * v * v * v)];
        AssertClose(expected, x.Grad!.ToArray<double>());
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 10);
    }
}
