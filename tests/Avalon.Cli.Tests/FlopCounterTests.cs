using Avalon.Autodiff;
using Avalon.Cli.Bench;
using Avalon.Nn;

namespace Avalon.Cli.Tests;

/// <summary>The FLOP counter against counts worked out by hand from the shapes.</summary>
public class FlopCounterTests
{
    [Fact]
    public void AMatrixProductIsTwoMultiplyAddsPerOutputAndInnerElement()
    {
        var tape = Grad.Trace(x => x[0].MatMul(x[1]), Tensor.Randn([3, 4], new Generator(1)), Tensor.Randn([4, 5], new Generator(2)));
        var count = FlopCounter.Count(tape);
        Assert.Equal(2.0 * 3 * 5 * 4, count.Total);
        Assert.Empty(count.Uncounted);
    }

    [Fact]
    public void ABatchedProductCountsEveryBatch()
    {
        var tape = Grad.Trace(x => x[0].MatMul(x[1]), Tensor.Randn([6, 3, 4], new Generator(1)), Tensor.Randn([4, 5], new Generator(2)));
        Assert.Equal(2.0 * 6 * 3 * 5 * 4, FlopCounter.Count(tape).Total);
    }

    [Fact]
    public void AConvolutionWithBiasAndReluCountsKernelVolumeBiasAndActivation()
    {
        var input = Tensor.Randn([2, 3, 8, 8], new Generator(1));
        var weight = Tensor.Randn([4, 3, 3, 3], new Generator(2));
        var bias = Tensor.Randn([4], new Generator(3));
        var tape = Grad.Trace(x => Functional.Relu(Functional.Conv2d(x[0], x[1], x[2], stride: 1, padding: 1)), input, weight, bias);
        var count = FlopCounter.Count(tape);
        double outputs = 2 * 4 * 8 * 8;
        Assert.Equal(2 * outputs * 3 * 3 * 3 + outputs, count.ByPrimitive["conv"]);
        Assert.Equal(outputs, count.ByPrimitive["relu"]);
        Assert.Equal(2 * outputs * 27 + outputs + outputs, count.Total);
    }

    [Fact]
    public void AStridedGroupedConvolutionCountsOnlyItsGroupsChannels()
    {
        var input = Tensor.Randn([1, 4, 9, 9], new Generator(1));
        var weight = Tensor.Randn([6, 2, 3, 3], new Generator(2));
        var tape = Grad.Trace(x => Functional.Conv2d(x[0], x[1], null, stride: 2, padding: 0, dilation: 1, groups: 2), input, weight);
        // Output 6 × 4 × 4; each output element reads 2 channels × 3 × 3.
        Assert.Equal(2.0 * 6 * 4 * 4 * 2 * 9, FlopCounter.Count(tape).Total);
    }

    private sealed class TwoConvolutions : Module
    {
        public Conv2d A = new(3, 4, 3, padding: 1);
        public Conv2d B = new(4, 5, 3, padding: 1);

        public override Tensor Forward(Tensor x) => B.Forward(A.Forward(x));
    }

    [Fact]
    public void ATracedStepCountsTheGradientConvolutionsAsTheirForward()
    {
        var model = new TwoConvolutions();
        var step = Grad.TraceStep(model, b => [model.Forward(b[0]).Sum()], Tensor.Randn([2, 3, 8, 8], new Generator(1)));
        var count = FlopCounter.Count(step.Tape);
        double a = 2.0 * (2 * 4 * 64) * 27, b = 2.0 * (2 * 5 * 64) * 36;
        Assert.Equal(a + 2 * 4 * 64 + b + 2 * 5 * 64, count.ByPrimitive["conv"]);
        Assert.Equal(a + b, count.ByPrimitive["conv_backward_weight"]);
        // Only B's input (A's output) needs a gradient; the images do not.
        Assert.Equal(b, count.ByPrimitive["conv_backward_input"]);
        Assert.Empty(count.Uncounted);
    }

    [Fact]
    public void DataMovementIsFreeAndReductionsReadEveryElement()
    {
        var tape = Grad.Trace(x => x[0].Reshape(6, 4).T.Sum(), Tensor.Randn([2, 3, 4], new Generator(1)));
        var count = FlopCounter.Count(tape);
        Assert.Equal(24.0, count.Total);
        Assert.Empty(count.Uncounted);
    }
}
