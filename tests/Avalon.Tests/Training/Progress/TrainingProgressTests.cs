using Avalon.Training.Progress;

namespace Avalon.Tests.Training.Progress;

public class TrainingProgressTests
{
    private sealed class FakeClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan time) => _ticks += time.Ticks;
    }

    [Fact]
    public void PlainModePrintsEveryTenthOfAnEpochAndASummary()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        using (var progress = TrainingProgress.Create(epochs: 2, metricName: "accuracy", mode: ProgressMode.Plain, output: output, time: clock))
        {
            progress.BeginEpoch(1, steps: 25);
            for (int step = 1; step <= 25; step++)
            {
                clock.Advance(TimeSpan.FromMilliseconds(100));
                progress.Update(step, samples: step * 32L, loss: 1.0 / step, metric: step / 25.0);
            }
            progress.EndEpoch("val_loss 0.1234");
        }
        var lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);

        // Tenths of 25 steps are crossed at steps 3, 5, 8, 10, 13, 15, 18, 20, 23, 25.
        Assert.Equal(11, lines.Length);
        // With the throughput and the ETA, two-space separators would pass 80 columns: the parts close up to one space.
        Assert.StartsWith("epoch 1/2 step  3/25 ( 12%) loss 0.3333 accuracy 0.1200", lines[0]);
        Assert.StartsWith("epoch 1/2 step 25/25 (100%) loss 0.0400 accuracy 1.0000", lines[9]);
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        // 32 samples every 0.1 s → 320 samples/s; half-way the ETA is the time spent so far.
        Assert.Contains("320 samples/s", lines[0]);
        Assert.Contains("ETA 0:02", lines[0]);
        Assert.EndsWith("ETA 0:00", lines[9]);
        Assert.Equal("epoch 1/2 done in 0:02 loss 0.0400 accuracy 1.0000 320 samples/s val_loss 0.1234", lines[10]);
    }

    [Fact]
    public void StateAndEstimates()
    {
        var clock = new FakeClock();
        using var progress = TrainingProgress.Create(3, metricName: null, mode: ProgressMode.Silent, time: clock);
        progress.BeginEpoch(2, 10);
        Assert.Null(progress.Remaining);
        clock.Advance(TimeSpan.FromSeconds(4));
        progress.Update(4, 400, 0.5);
        Assert.Equal(TimeSpan.FromSeconds(6), progress.Remaining);
        Assert.Equal(100, progress.Throughput, 9);
        Assert.Equal("epoch 2/3  step  4/10 ( 40%)  loss 0.5000  100 samples/s  ETA 0:06", progress.StatusLine());
    }

    [Fact]
    public void RedirectedOutputFallsBackToPlainLines()
    {
        var output = new StringWriter();
        using var progress = TrainingProgress.Create(1, output: output);
        progress.BeginEpoch(1, 1);
        progress.Update(1, 1, 0.25);
        Assert.Contains("step 1/1", output.ToString());
    }
}
