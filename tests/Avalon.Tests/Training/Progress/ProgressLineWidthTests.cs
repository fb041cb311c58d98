using Avalon.Training.Progress;

namespace Avalon.Tests.Training.Progress;

public class ProgressLineWidthTests
{
    private sealed class FakeClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan time) => _ticks += time.Ticks;
    }

    [Fact]
    public void BeforeTheFirstStepTheLossIsADashNotNaN()
    {
        using var progress = TrainingProgress.Create(epochs: 8, mode: ProgressMode.Silent);
        progress.BeginEpoch(1, steps: 60);
        var line = progress.StatusLine();
        Assert.DoesNotContain("NaN", line, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("loss -", line);
    }

    [Theory]
    [InlineData(10, 100_000, 123456.789, "accuracy")]
    [InlineData(999, 9_999_999, 1e-9, "a_rather_long_metric_name")]
    [InlineData(8, 60, 0.2345, "accuracy")]
    public void StatusLinesFitEightyColumns(int epochs, int steps, double loss, string metric)
    {
        var clock = new FakeClock();
        using var progress = TrainingProgress.Create(epochs, metric, ProgressMode.Silent, time: clock);
        progress.BeginEpoch(epochs, steps);
        clock.Advance(TimeSpan.FromHours(3));
        progress.Update(steps / 3, samples: 123_456_789_012L, loss, metric: 0.87654321);
        var line = progress.StatusLine();
        Assert.True(line.Length <= TrainingProgress.LineWidth, $"{line.Length} characters: '{line}'");
        Assert.StartsWith($"epoch {epochs}/{epochs}", line);
        Assert.Contains("loss ", line);
    }

    [Fact]
    public void TheTypicalLineKeepsEveryPartWithinEightyColumns()
    {
        var clock = new FakeClock();
        using var progress = TrainingProgress.Create(8, "accuracy", ProgressMode.Silent, time: clock);
        progress.BeginEpoch(1, 60);
        clock.Advance(TimeSpan.FromSeconds(2));
        progress.Update(30, samples: 3000, loss: 0.4321, metric: 0.8123);
        var line = progress.StatusLine();
        Assert.True(line.Length <= 80, line);
        foreach (var part in (string[])["epoch 1/8", "step 30/60 ( 50%)", "loss 0.4321", "accuracy 0.8123", "1,500", "ETA 0:02"])
            Assert.Contains(part, line);
    }

    [Fact]
    public void PlainEpochLinesWithALongSummaryWrapUnderEightyColumns()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        using (var progress = TrainingProgress.Create(10, "accuracy", ProgressMode.Plain, output, clock))
        {
            progress.BeginEpoch(10, 600);
            for (int step = 1; step <= 600; step++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(50));
                progress.Update(step, step * 100L, 0.3456, 0.8765);
            }
            progress.EndEpoch("val_loss 0.3712  val_accuracy 0.8612  lr 0.001  val_top5_accuracy 0.9934  best epoch 7");
        }
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length}: '{l}'"));
        var text = string.Join("\n", lines);
        foreach (var part in (string[])["val_loss 0.3712", "val_accuracy 0.8612", "lr 0.001", "val_top5_accuracy 0.9934", "best epoch 7"])
            Assert.Contains(part, text);
        Assert.Contains(lines, l => l.StartsWith("epoch 10/10 done in", StringComparison.Ordinal));
    }
}
