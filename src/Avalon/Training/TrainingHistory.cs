using Avalon.Training.Charts;
using Spectre.Console.Rendering;

namespace Avalon.Training;

/// <summary>
/// What <c>Fit</c> returns: one <see cref="EpochResult"/> per finished epoch (Keras's <c>History</c>),
/// with the curves as an SVG file or a terminal chart.
/// </summary>
/// <example>
/// <code>
/// var history = model.Fit(loss, optimizer, train, epochs: 10, batchSize: 64, validation: test, metrics: [new Accuracy()]);
/// history.SaveSvg("training.svg");
/// Console.Write(history.ToText());
/// double[] valLoss = history.Series("val_loss");
/// </code>
/// </example>
public sealed class TrainingHistory
{
    private readonly List<EpochResult> _epochs = [];

    /// <summary>The finished epochs, in order.</summary>
    public IReadOnlyList<EpochResult> Epochs => _epochs;

    /// <summary>The number of finished epochs.</summary>
    public int Count => _epochs.Count;

    /// <summary>The last finished epoch, or <see langword="null"/> when none finished.</summary>
    public EpochResult? Last => _epochs.Count == 0 ? null : _epochs[^1];

    /// <summary>Whether a callback stopped training before the planned number of epochs.</summary>
    public bool StoppedEarly { get; internal set; }

    /// <summary>
    /// The epoch whose weights the model holds after training when a callback restored earlier weights
    /// (<see cref="Callbacks.EarlyStopping"/> with <c>restoreBestWeights</c>); <see langword="null"/> when the
    /// model kept the last epoch's weights. Charts mark it.
    /// </summary>
    public int? RestoredEpoch { get; internal set; }

    /// <summary>The training steps skipped for a non-finite loss or gradient, summed over the epochs (see <see cref="EpochResult.SkippedSteps"/>).</summary>
    public int SkippedSteps
    {
        get
        {
            int total = 0;
            foreach (var epoch in _epochs) total += epoch.SkippedSteps;
            return total;
        }
    }

    /// <summary>Records an epoch (<c>Fit</c> does this after each epoch).</summary>
    /// <param name="result">The epoch's results.</param>
    public void Add(EpochResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        _epochs.Add(result);
    }

    /// <summary>The log names that occur in any epoch (<c>loss</c>, <c>accuracy</c>, <c>val_loss</c>, ...), in first-seen order.</summary>
    public IReadOnlyList<string> Keys
    {
        get
        {
            var keys = new List<string>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var epoch in _epochs)
                foreach (var key in epoch.Logs.Keys)
                    if (seen.Add(key)) keys.Add(key);
            return keys;
        }
    }

    /// <summary>The value of log entry <paramref name="key"/> in each epoch, NaN where an epoch lacks it (Keras's <c>history.history[key]</c>).</summary>
    /// <param name="key">A log name, for example <c>val_loss</c>.</param>
    /// <exception cref="KeyNotFoundException">No epoch has the key.</exception>
    public double[] Series(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var values = new double[_epochs.Count];
        bool any = false;
        for (int i = 0; i < values.Length; i++)
        {
            if (_epochs[i].Logs.TryGetValue(key, out double value))
            {
                values[i] = value;
                any = true;
            }
            else
            {
                values[i] = double.NaN;
            }
        }
        if (!any && _epochs.Count > 0)
            throw new KeyNotFoundException($"TrainingHistory.Series: no epoch logged '{key}'; known keys: {string.Join(", ", Keys)}.");
        return values;
    }

    /// <summary>The loss and accuracy curves as a <see cref="TrainingCurve"/>.</summary>
    /// <param name="accuracyMetric">The metric drawn in the accuracy panel. Default <c>accuracy</c>; a metric no epoch has leaves the panel out.</param>
    public TrainingCurve ToCurve(string accuracyMetric = "accuracy")
    {
        ArgumentNullException.ThrowIfNull(accuracyMetric);
        var curve = new TrainingCurve { RestoredEpoch = RestoredEpoch };
        foreach (var e in _epochs)
        {
            curve.Add(new EpochRecord(
                e.Epoch,
                e.TrainLoss,
                e.Metrics.TryGetValue(accuracyMetric, out double train) ? train : null,
                e.ValidationLoss,
                e.ValidationMetrics.TryGetValue(accuracyMetric, out double validation) ? validation : null));
        }
        return curve;
    }

    /// <summary>Writes the loss (and accuracy) curves to an SVG file, atomically.</summary>
    /// <param name="path">The file to write.</param>
    /// <param name="title">A title for the figure, or <see langword="null"/>.</param>
    /// <param name="accuracyMetric">The metric drawn in the accuracy panel. Default <c>accuracy</c>.</param>
    public void SaveSvg(string path, string? title = null, string accuracyMetric = "accuracy") => ToCurve(accuracyMetric).SaveSvg(path, title);

    /// <summary>The curves as a Spectre.Console table of sparklines (for <c>AnsiConsole.Write</c>).</summary>
    public IRenderable ToRenderable() => ToCurve().ToRenderable();

    /// <summary>The curves as plain text lines of sparklines, for logs.</summary>
    public string ToText() => ToCurve().ToText();

    /// <inheritdoc/>
    public override string ToString() => $"TrainingHistory({_epochs.Count} epochs{(StoppedEarly ? ", stopped early" : "")})";
}
