using System.Globalization;
using System.Text.RegularExpressions;
using Avalon.Training.Checkpoints;

namespace Avalon.Training.Callbacks;

/// <summary>
/// Saves the model to a checkpoint at the end of an epoch (Keras's <c>ModelCheckpoint</c>): by
/// default only when the monitored value is the best so far ("keep best"), or every epoch. Files are
/// written atomically with <see cref="ModuleCheckpointExtensions.Save"/>, so an interrupted save never
/// replaces a good checkpoint with a broken one.
/// </summary>
/// <remarks>
/// The path may contain <c>{epoch}</c> or a formatted <c>{epoch:000}</c>, replaced by the epoch
/// number, to keep one file per epoch. The checkpoint records the epoch and, in its metadata,
/// <c>monitor</c> and <c>value</c> (the monitored value, when present).
/// </remarks>
/// <example>
/// <code>
/// var keepBest = new ModelCheckpoint("best.safetensors", monitor: "val_accuracy");
/// model.Fit(loss, optimizer, train, epochs: 20, batchSize: 64, validation: test, callbacks: [keepBest]);
/// model.Load("best.safetensors");
/// </code>
/// </example>
public sealed partial class ModelCheckpoint : ICallback
{
    private readonly MonitoredValue _best;

    /// <summary>Creates the callback.</summary>
    /// <param name="path">The checkpoint file; <c>{epoch}</c> (or <c>{epoch:format}</c>) in it is replaced by the epoch number.</param>
    /// <param name="monitor">The log entry that decides which epoch is best. Default <c>val_loss</c>.</param>
    /// <param name="mode">Whether lower or higher is better; <see cref="MonitorMode.Auto"/> (default) decides from the name.</param>
    /// <param name="saveBestOnly">Whether to save only when <paramref name="monitor"/> improves (default) rather than every epoch.</param>
    /// <param name="saveOptimizer">Whether to save the optimiser's state too, so training can resume from the file. Default false.</param>
    public ModelCheckpoint(string path, string monitor = "val_loss", MonitorMode mode = MonitorMode.Auto, bool saveBestOnly = true, bool saveOptimizer = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = path;
        _best = new MonitoredValue(monitor, mode, 0, nameof(ModelCheckpoint));
        SaveBestOnly = saveBestOnly;
        SaveOptimizer = saveOptimizer;
    }

    /// <summary>The checkpoint path, possibly with an <c>{epoch}</c> placeholder.</summary>
    public string Path { get; }

    /// <summary>The log entry that decides which epoch is best.</summary>
    public string Monitor => _best.Monitor;

    /// <summary>Whether lower (<see cref="MonitorMode.Min"/>) or higher (<see cref="MonitorMode.Max"/>) is better; never <see cref="MonitorMode.Auto"/>.</summary>
    public MonitorMode Mode => _best.Mode;

    /// <summary>Whether only improving epochs are saved.</summary>
    public bool SaveBestOnly { get; }

    /// <summary>Whether the optimiser's state is saved too.</summary>
    public bool SaveOptimizer { get; }

    /// <summary>The best monitored value so far (±∞ before any).</summary>
    public double Best => _best.Best;

    /// <summary>The epoch of the best monitored value (0 before any).</summary>
    public int BestEpoch => _best.BestEpoch;

    /// <summary>The file written last, or <see langword="null"/> when none was written.</summary>
    public string? LastSavedPath { get; private set; }

    /// <inheritdoc/>
    public void OnTrainBegin(CallbackContext context)
    {
        _best.Reset();
        LastSavedPath = null;
    }

    /// <inheritdoc/>
    public void OnEpochEnd(CallbackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        double? value;
        if (SaveBestOnly)
        {
            if (!_best.Update(context, out double current)) return;
            value = current;
        }
        else
        {
            value = context.Logs.TryGetValue(Monitor, out double current) ? current : null;
            if (value is not null) _best.Update(context, out _);
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal) { ["monitor"] = Monitor };
        if (value is double d) metadata["value"] = d.ToString("R", CultureInfo.InvariantCulture);
        string path = PathFor(context.Epoch);
        if (!context.IsMainProcess) return;   // data-parallel training: rank 0 writes the one copy
        context.Model.Save(path, SaveOptimizer ? context.Optimizer : null, context.Epoch, metadata);
        LastSavedPath = path;
        if (SaveBestOnly)
            context.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ModelCheckpoint: {Monitor} improved to {value:0.0000}; saved {path}"));
    }

    /// <summary>The file name for <paramref name="epoch"/>: <see cref="Path"/> with its <c>{epoch}</c> placeholders filled in.</summary>
    /// <param name="epoch">The epoch number.</param>
    public string PathFor(int epoch) => EpochPlaceholder().Replace(Path, m =>
        epoch.ToString(m.Groups[1].Success ? m.Groups[1].Value : null, CultureInfo.InvariantCulture));

    [GeneratedRegex(@"\{epoch(?::([^}]*))?\}")]
    private static partial Regex EpochPlaceholder();
}
