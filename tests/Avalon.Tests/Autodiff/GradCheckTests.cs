using Avalon.Autodiff;

namespace Avalon.Tests.Autodiff;

public class GradCheckTests
{
    private static Tensor Input(params int[] shape) => Tensor.Randn(shape, new Generator(3), DType.Float64);

    [Fact]
    public void CorrectGradientsPass()
    {
        Assert.True(GradCheck.Check(xs => xs[0].Tanh() * xs[1] + xs[0].MatMul(xs[1].Transpose(0, 1)).Sum(), Input(3, 4), Input(3, 4)));
        Assert.True(GradCheck.Check(xs => Avalon.Nn.Functional.Softmax(xs[0], 1), Input(2, 5)));
    }

    [Fact]
    public void AWrongGradientFailsNamingTheElementsAndValues()
    {
        // x * detach(x): the tape sees only one factor, so the analytical derivative is x where the true one is 2x.
        var x = Tensor.From(new double[] { 0.5, -1.5, 2.0 }, 3);
        var error = Assert.Throws<GradCheckException>(() => GradCheck.Check(xs => xs[0] * xs[0].Detach(), x));
        Assert.Contains("gradcheck: Jacobian mismatch for output [0] with respect to input 0 element [0]", error.Message);
        // Central differences of x² at 0.5 give 1 to within rounding: "numerical 1," or "numerical 0.99999…" or "1.0000…".
        Assert.Matches(@"numerical (1,|1\.0|0\.99)", error.Message);
        Assert.Contains("analytical 0.5", error.Message);
        Assert.False(GradCheck.Check(xs => xs[0] * xs[0].Detach(), [x], eps: 1e-6, raiseException: false));
    }

    [Fact]
    public void ToleranceDecidesBorderlineCases()
    {
        // Central differences of x³ at 1 with eps 1e-2 overshoot by eps² = 1e-4: outside atol 1e-6 (rtol 0), inside atol 1e-3.
        var x = Tensor.From(new double[] { 1.0 }, 1);
        Assert.False(GradCheck.Check(xs => xs[0] * xs[0] * xs[0], [x], eps: 1e-2, atol: 1e-6, rtol: 0, raiseException: false));
        Assert.True(GradCheck.Check(xs => xs[0] * xs[0] * xs[0], [x], eps: 1e-2, atol: 1e-3, rtol: 0));
    }

    [Fact]
    public void Float32InputsAreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => GradCheck.Check(xs => xs[0].Exp(), Tensor.Randn(2, 2)));
        Assert.Contains("gradcheck: input 0 is float32", error.Message);
        Assert.Contains("need float64", error.Message);
    }

    [Fact]
    public void IntegerInputsAreLeftUnchecked()
    {
        var index = Tensor.From(new long[] { 2, 0 }, 2);
        Assert.True(GradCheck.Check(xs => xs[0].IndexSelect(0, xs[1]) * 3.0, Input(4), index));
    }
}
