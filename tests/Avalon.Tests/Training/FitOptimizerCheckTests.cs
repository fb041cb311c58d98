using Avalon.Optim;
using Avalon.Training;
using static Avalon.Tests.Training.TrainingTestSupport;

namespace Avalon.Tests.Training;

/// <summary><c>Fit</c> refuses an optimiser that holds none of the model's trainable parameters instead of training nothing.</summary>
public class FitOptimizerCheckTests
{
    [Fact]
    public void AnOptimizerOverAnotherModelIsRefused()
    {
        var model = new Mlp(2, 4, 2, seed: 1);
        var other = new Mlp(2, 4, 2, seed: 2);
        var before = Snapshot(model);
        var error = Assert.Throws<ArgumentException>(() =>
            model.Fit(CrossEntropy, new Adam(other.Parameters()), Blobs(32, seed: 1), epochs: 1, batchSize: 16, options: Quiet()));
        Assert.Contains("Mlp", error.Message);
        Assert.Contains("holds none of the 4 trainable parameters", error.Message);
        Assert.Equal("optimizer", error.ParamName);
        Assert.Equal(before, Snapshot(model));

        var loss = new CrossEntropyModule();
        Assert.Throws<ArgumentException>(() =>
            model.Fit(loss, new Sgd(other.Parameters(), lr: 0.1), Blobs(32, seed: 1), epochs: 1, batchSize: 16, options: Quiet()));
    }

    [Fact]
    public void AnOptimizerOverPartOfTheModelIsAccepted()
    {
        var model = new Mlp(2, 4, 2, seed: 1);
        var history = model.Fit(CrossEntropy, new Sgd(model.Fc2.Parameters(), lr: 0.1), Blobs(32, seed: 1), epochs: 1, batchSize: 16, options: Quiet());
        Assert.Single(history.Epochs);
    }
}
