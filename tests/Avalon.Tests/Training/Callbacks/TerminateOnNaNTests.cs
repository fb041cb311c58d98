using Avalon.Optim;
using Avalon.Training;
using Avalon.Training.Callbacks;
using static Avalon.Tests.Training.TrainingTestSupport;

namespace Avalon.Tests.Training.Callbacks;

public sealed class TerminateOnNaNTests
{
    private static Func<Tensor, Tensor, Tensor> NaNLossAt(int step)
    {
        int call = 0;
        return (o, t) => ++call == step ? CrossEntropy(o, t) * double.PositiveInfinity : CrossEntropy(o, t);
    }

    [Fact]
    public void StopsAfterTheFirstNonFiniteLossAndFitReturns()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        var terminate = new TerminateOnNaN();
        int batchesSeen = 0;
        var count = new LambdaCallback(onBatchEnd: _ => batchesSeen++);
        var options = Quiet();
        options.OnNonFinite = NonFiniteAction.Ignore;
        options.Compile = false;        // the loss turns infinite at a call count, which only the eager loop follows
        var history = model.Fit(NaNLossAt(14), optimizer, Blobs(400, seed: 2), epochs: 5, batchSize: 40,
            callbacks: [terminate, count], options: options);

        Assert.Equal(2, terminate.StoppedEpoch);
        Assert.Equal(4, terminate.StoppedStep);
        Assert.Equal(14, batchesSeen);
        Assert.Equal(2, history.Count);
        Assert.True(history.StoppedEarly);
    }

    [Fact]
    public void DoesNothingWhileLossesAreFinite()
    {
        var model = new Mlp(2, 8, 2, seed: 1);
        var terminate = new TerminateOnNaN();
        var history = model.Fit(CrossEntropy, new Adam(model.Parameters(), lr: 0.01), Blobs(80, seed: 2), epochs: 2, batchSize: 40,
            callbacks: [terminate], options: Quiet());
        Assert.Null(terminate.StoppedEpoch);
        Assert.Equal(2, history.Count);
        Assert.False(history.StoppedEarly);
    }
}
