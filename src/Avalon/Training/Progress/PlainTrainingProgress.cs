using System.Globalization;

namespace Avalon.Training.Progress;

/// <summary>Progress as plain lines: one each time the epoch passes another 10 %, and one at its end.</summary>
internal sealed class PlainTrainingProgress(int epochs, string? metricName, TimeProvider time, TextWriter output)
    : TrainingProgress(epochs, metricName, time)
{
    private const int Intervals = 10;

    public override void WriteLine(string message) => output.WriteLine(message);

    private protected override void OnBeginEpoch() { }

    private protected override void OnUpdate(int previousStep)
    {
        if (Steps <= 0) return;
        // Print when the step crosses a tenth of the epoch; several tenths at once print one line.
        if (Tenth(Step) > Tenth(previousStep)) output.WriteLine(StatusLine());
    }

    private long Tenth(int step) => (long)step * Intervals / Steps;

    private protected override void OnEndEpoch(string? summary)
    {
        var c = CultureInfo.InvariantCulture;
        var line = string.Create(c, $"epoch {Epoch}/{Epochs} done in {FormatTime(Elapsed)}  loss {Loss:0.0000}");
        if (MetricName is not null && Metric is double m) line += string.Create(c, $"  {MetricName} {m:0.0000}");
        line += string.Create(c, $"  {Throughput:#,0} samples/s");
        if (!string.IsNullOrEmpty(summary)) line += "  " + summary;
        output.WriteLine(line);
        output.Flush();
    }
}
