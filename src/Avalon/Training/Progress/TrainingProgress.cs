using System.Globalization;
using Spectre.Console;

namespace Avalon.Training.Progress;

/// <summary>
/// Shows the progress of training: epoch, step / steps, loss, a metric, throughput (samples/s) and
/// the estimated time left in the epoch. On an interactive terminal it is a live progress bar; when
/// output is redirected or running in CI it prints plain lines every 10 % of an epoch, so logs stay
/// readable.
/// </summary>
/// <example>
/// <code>
/// using var progress = TrainingProgress.Create(epochs: 10);
/// for (int epoch = 1; epoch &lt;= 10; epoch++)
/// {
///     progress.BeginEpoch(epoch, loader.Count);
///     int step = 0; long seen = 0;
///     foreach (var (x, y) in loader) { /* train */ progress.Update(++step, seen += x.Size(0), loss, accuracy); }
///     progress.EndEpoch($"val_loss {valLoss:0.0000}");
/// }
/// </code>
/// </example>
public abstract class TrainingProgress : IDisposable
{
    private long _epochStart;

    private protected TrainingProgress(int epochs, string? metricName, TimeProvider time)
    {
        if (epochs < 1) throw OpErrors.OutOfRange("TrainingProgress", nameof(epochs), epochs, $"epochs must be at least 1, got {epochs}.");
        Epochs = epochs;
        MetricName = metricName;
        Time = time;
    }

    /// <summary>Creates the display.</summary>
    /// <param name="epochs">The number of epochs planned.</param>
    /// <param name="metricName">The name shown beside the metric value (for example <c>accuracy</c>); <see langword="null"/> when no metric is reported.</param>
    /// <param name="mode">How to show progress. Default <see cref="ProgressMode.Auto"/>.</param>
    /// <param name="output">Where plain lines go. Default the console's standard output. A writer given here always gets plain lines.</param>
    /// <param name="time">The clock for throughput and ETA. Default the system clock.</param>
    public static TrainingProgress Create(int epochs, string? metricName = "accuracy", ProgressMode mode = ProgressMode.Auto, TextWriter? output = null, TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        if (mode == ProgressMode.Auto) mode = output is null && IsInteractiveConsole() ? ProgressMode.Live : ProgressMode.Plain;
        return mode switch
        {
            ProgressMode.Live => new LiveTrainingProgress(epochs, metricName, time, AnsiConsole.Console),
            ProgressMode.Plain => new PlainTrainingProgress(epochs, metricName, time, output ?? Console.Out),
            _ => new SilentTrainingProgress(epochs, metricName, time),
        };
    }

    /// <summary>Whether standard output is a terminal that can redraw a progress bar (not redirected, not CI).</summary>
    public static bool IsInteractiveConsole() =>
        !Console.IsOutputRedirected &&
        string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")) &&
        AnsiConsole.Profile.Capabilities.Interactive &&
        AnsiConsole.Profile.Capabilities.Ansi;

    /// <summary>The number of epochs planned.</summary>
    public int Epochs { get; }

    /// <summary>The metric's display name, or <see langword="null"/>.</summary>
    public string? MetricName { get; }

    /// <summary>The current epoch (1-based), 0 before the first.</summary>
    public int Epoch { get; private set; }

    /// <summary>The number of steps in the current epoch.</summary>
    public int Steps { get; private set; }

    /// <summary>The number of steps completed in the current epoch.</summary>
    public int Step { get; private set; }

    /// <summary>The number of samples processed in the current epoch.</summary>
    public long Samples { get; private set; }

    /// <summary>The latest loss.</summary>
    public double Loss { get; private set; } = double.NaN;

    /// <summary>The latest metric value, or <see langword="null"/>.</summary>
    public double? Metric { get; private set; }

    private protected TimeProvider Time { get; }

    /// <summary>The time since the current epoch began.</summary>
    public TimeSpan Elapsed => Time.GetElapsedTime(_epochStart);

    /// <summary>Samples per second in the current epoch so far.</summary>
    public double Throughput => Elapsed.TotalSeconds > 0 ? Samples / Elapsed.TotalSeconds : 0;

    /// <summary>The estimated time left in the epoch from the average step time so far, or <see langword="null"/> before the first step.</summary>
    public TimeSpan? Remaining => Step == 0 ? null : Elapsed * ((double)(Steps - Step) / Step);

    /// <summary>Starts an epoch.</summary>
    /// <param name="epoch">The epoch number, 1-based.</param>
    /// <param name="steps">The number of steps (batches) in it.</param>
    public void BeginEpoch(int epoch, int steps)
    {
        if (steps < 0) throw OpErrors.OutOfRange("TrainingProgress.BeginEpoch", nameof(steps), steps, $"steps must be non-negative, got {steps}.");
        Epoch = epoch;
        Steps = steps;
        Step = 0;
        Samples = 0;
        Loss = double.NaN;
        Metric = null;
        _epochStart = Time.GetTimestamp();
        OnBeginEpoch();
    }

    /// <summary>Reports progress within the epoch.</summary>
    /// <param name="step">The number of steps completed in this epoch.</param>
    /// <param name="samples">The number of samples processed in this epoch.</param>
    /// <param name="loss">The latest (or running mean) loss.</param>
    /// <param name="metric">The latest metric value, or <see langword="null"/>.</param>
    public void Update(int step, long samples, double loss, double? metric = null)
    {
        int previous = Step;
        Step = step;
        Samples = samples;
        Loss = loss;
        Metric = metric;
        OnUpdate(previous);
    }

    /// <summary>Ends the epoch.</summary>
    /// <param name="summary">Extra text for the epoch's final line (for example validation results); <see langword="null"/> for none.</param>
    public void EndEpoch(string? summary = null) => OnEndEpoch(summary);

    /// <summary>Writes a message line without disturbing the progress display.</summary>
    /// <param name="message">The text.</param>
    public abstract void WriteLine(string message);

    /// <summary>The width a progress line fits in: a standard 80-column terminal, without wrapping.</summary>
    public const int LineWidth = 80;

    /// <summary>The current state as one line of at most <see cref="LineWidth"/> characters: epoch, step, loss, metric, throughput and ETA (see <see cref="StatusLine(int)"/>).</summary>
    public string StatusLine() => StatusLine(LineWidth);

    /// <summary>
    /// The current state as one line of at most <paramref name="width"/> characters: epoch, step, loss
    /// (a dash before the first step), metric, throughput and ETA; when that is too wide the throughput
    /// is shortened, then the ETA and the throughput are left out.
    /// </summary>
    /// <param name="width">The most characters the line may take (at least 20).</param>
    public string StatusLine(int width)
    {
        var c = CultureInfo.InvariantCulture;
        int digits = Steps.ToString(c).Length;
        var required = new List<string>
        {
            string.Create(c, $"epoch {Epoch}/{Epochs}"),
            string.Create(c, $"step {Step.ToString(c).PadLeft(digits)}/{Steps} ({Percent,3}%)"),
            "loss " + (Step == 0 ? "-" : FormatValue(Loss)),
        };
        if (MetricName is not null && Metric is double m) required.Add(ShortName(MetricName) + " " + FormatValue(m));
        string eta = "ETA " + FormatTime(Remaining);
        return FitLine(required, [[FormatThroughput(false), eta], [FormatThroughput(true), eta], [eta], []], width);
    }

    /// <summary>The end-of-epoch line's required parts (epoch and time, last loss and metric) and its throughput, long and short.</summary>
    private protected (List<string> Required, string Throughput, string ShortThroughput) EpochEndParts()
    {
        var c = CultureInfo.InvariantCulture;
        var required = new List<string>
        {
            string.Create(c, $"epoch {Epoch}/{Epochs} done in {FormatTime(Elapsed)}"),
            "loss " + (Step == 0 ? "-" : FormatValue(Loss)),
        };
        if (MetricName is not null && Metric is double m) required.Add(ShortName(MetricName) + " " + FormatValue(m));
        return (required, FormatThroughput(false), FormatThroughput(true));
    }

    private string FormatThroughput(bool compact) =>
        Throughput.ToString("#,0", CultureInfo.InvariantCulture) + (compact ? "/s" : " samples/s");

    /// <summary>
    /// The first of <paramref name="variants"/> (optional parts after <paramref name="required"/>) whose
    /// line fits in <paramref name="width"/>, parts two spaces apart (one when two do not fit); the required
    /// parts alone are cut with an ellipsis only when they do not fit.
    /// </summary>
    internal static string FitLine(IReadOnlyList<string> required, IReadOnlyList<IReadOnlyList<string>> variants, int width)
    {
        width = Math.Max(20, width);
        foreach (var optional in variants.Append([]))
        {
            var parts = required.Concat(optional).ToArray();
            foreach (var separator in (string[])["  ", " "])
            {
                var line = string.Join(separator, parts);
                if (line.Length <= width) return line;
            }
        }
        var tight = string.Join(" ", required);
        return tight[..(width - 1)] + "…";
    }

    /// <summary>A value in at most 10 characters: four decimals for ordinary magnitudes, scientific notation otherwise.</summary>
    internal static string FormatValue(double value)
    {
        var c = CultureInfo.InvariantCulture;
        if (double.IsNaN(value)) return "nan";
        if (double.IsInfinity(value)) return value > 0 ? "inf" : "-inf";
        double magnitude = Math.Abs(value);
        return magnitude == 0 || (magnitude >= 1e-3 && magnitude < 1e4) ? value.ToString("0.0000", c) : value.ToString("0.00e+0", c);
    }

    /// <summary>Metric names longer than 12 characters are cut, so a line keeps its width.</summary>
    private static string ShortName(string name) => name.Length <= 12 ? name : name[..11] + "…";

    private int Percent => Steps == 0 ? 100 : (int)((long)Step * 100 / Steps);

    private protected static string FormatTime(TimeSpan? time) => time is TimeSpan t
        ? (t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture))
        : "-:--";

    private protected abstract void OnBeginEpoch();

    private protected abstract void OnUpdate(int previousStep);

    private protected abstract void OnEndEpoch(string? summary);

    /// <summary>Ends the display (a live bar is stopped and left on screen).</summary>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    /// <summary>Releases the display.</summary>
    /// <param name="disposing">Whether called from <see cref="Dispose()"/>.</param>
    protected virtual void Dispose(bool disposing) { }
}
