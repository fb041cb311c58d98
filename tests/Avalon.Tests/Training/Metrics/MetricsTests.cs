using Avalon.Training.Metrics;

namespace Avalon.Tests.Training.Metrics;

public class MetricsTests
{
    // 3 classes. Confusion (true, predicted): (0,0)=1 (0,1)=1 (1,1)=2 (2,0)=1 (2,2)=1.
    private static readonly long[] s_targets = [0, 0, 1, 1, 2, 2];
    private static readonly long[] s_predicted = [0, 1, 1, 1, 0, 2];

    private static Tensor Longs(params long[] values) => Tensor.From(values);

    /// <summary>One-hot-ish scores whose arg-max is the given class.</summary>
    private static Tensor Scores(long[] classes, int numClasses)
    {
        var values = new float[classes.Length * numClasses];
        for (int i = 0; i < classes.Length; i++)
        {
            for (int c = 0; c < numClasses; c++) values[i * numClasses + c] = -0.1f * c;
            values[i * numClasses + classes[i]] = 2f;
        }
        return Tensor.From(values, classes.Length, numClasses);
    }

    [Fact]
    public void AccuracyFromIndicesAndFromScores()
    {
        var fromIndices = new Accuracy();
        fromIndices.Update(Longs(s_predicted), Longs(s_targets));
        Assert.Equal(4.0 / 6, fromIndices.Compute(), 12);

        var streamed = new Accuracy();
        streamed.Update(Scores(s_predicted[..4], 3), Longs(s_targets[..4]));
        streamed.Update(Scores(s_predicted[4..], 3), Longs(s_targets[4..]));
        Assert.Equal(4.0 / 6, streamed.Compute(), 12);
        Assert.Equal(4, streamed.Correct);
        Assert.Equal(6, streamed.Total);

        streamed.Reset();
        Assert.True(double.IsNaN(streamed.Compute()));
    }

    [Fact]
    public void TopKAccuracyCountsTargetsAmongHighestScores()
    {
        var scores = Tensor.From(new float[]
        {
            0.1f, 0.5f, 0.4f,
            0.9f, 0.05f, 0.05f,
            0.2f, 0.3f, 0.5f,
            0.3f, 0.3f, 0.4f,
        }, 4, 3);
        var targets = Longs(2, 0, 0, 1);
        double[] expected = [0.25, 0.75, 1.0];
        for (int k = 1; k <= 3; k++)
        {
            var metric = new TopKAccuracy(k);
            metric.Update(scores, targets);
            Assert.Equal(expected[k - 1], metric.Compute(), 12);
        }
        var top1 = new Accuracy();
        top1.Update(scores, targets);
        Assert.Equal(0.25, top1.Compute(), 12);
        Assert.Throws<ArgumentException>(() => new TopKAccuracy(4).Update(scores, targets));
    }

    [Fact]
    public void ConfusionMatrixCountsPairs()
    {
        var matrix = new ConfusionMatrix(3, ["zero", "one", "two"]);
        matrix.Update(Scores(s_predicted[..3], 3), Longs(s_targets[..3]));
        matrix.Update(Longs(s_predicted[3..]), Longs(s_targets[3..]));
        long[,] expected = { { 1, 1, 0 }, { 0, 2, 0 }, { 1, 0, 1 } };
        Assert.Equal(expected, matrix.Compute());
        Assert.Equal(6, matrix.Total);

        string table = matrix.ToString();
        var lines = table.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("true \\ predicted", lines[0]);
        Assert.Matches(@"^0 zero\s+1\s+1\s+0$", lines[1]);
        Assert.Matches(@"^2 two\s+1\s+0\s+1$", lines[3]);

        matrix.Reset();
        Assert.Equal(0, matrix.Total);
    }

    [Fact]
    public void PrecisionRecallF1PerClassAndMacro()
    {
        var precision = new Precision(3);
        var recall = new Recall(3);
        var f1 = new F1Score(3);
        foreach (var metric in new ClassificationScore[] { precision, recall, f1 })
        {
            metric.Update(Longs(s_predicted[..2]), Longs(s_targets[..2]));
            metric.Update(Longs(s_predicted[2..]), Longs(s_targets[2..]));
        }
        AssertClose([0.5, 2.0 / 3, 1.0], precision.ComputePerClass());
        AssertClose([0.5, 1.0, 0.5], recall.ComputePerClass());
        AssertClose([0.5, 0.8, 2.0 / 3], f1.ComputePerClass());
        Assert.Equal((0.5 + 2.0 / 3 + 1.0) / 3, precision.Compute(), 12);
        Assert.Equal(2.0 / 3, recall.Compute(), 12);
        Assert.Equal((0.5 + 0.8 + 2.0 / 3) / 3, f1.Compute(), 12);
    }

    [Fact]
    public void MacroAverageSkipsClassesThatNeverOccurAndZeroDivisionScoresZero()
    {
        // 4 classes; class 3 never appears; class 2 is a target but never predicted (precision 0/0 → 0).
        var precision = new Precision(4);
        precision.Update(Longs(0, 1, 1), Longs(0, 1, 2));
        AssertClose([1.0, 0.5, 0.0, 0.0], precision.ComputePerClass());
        Assert.Equal(0.5, precision.Compute(), 12);
    }

    [Fact]
    public void BadInputIsRejectedWithClearMessages()
    {
        var accuracy = new Accuracy();
        var ex = Assert.Throws<ArgumentException>(() => accuracy.Update(Tensor.Zeros(4, 3), Longs(0, 1, 2)));
        Assert.Contains("batch size", ex.Message);
        Assert.Throws<ArgumentException>(() => accuracy.Update(Tensor.Zeros(3), Longs(0, 1, 2)));
        Assert.Throws<ArgumentException>(() => accuracy.Update(Tensor.Zeros(3, 3), Tensor.Zeros(3)));
        var matrix = new ConfusionMatrix(3);
        ex = Assert.Throws<ArgumentException>(() => matrix.Update(Longs(0, 1), Longs(0, 3)));
        Assert.Contains("outside [0, 3)", ex.Message);
        Assert.Throws<ArgumentException>(() => matrix.Update(Tensor.Zeros(2, 4), Longs(0, 1)));
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 12);
    }
}
