using System.Globalization;
using Avalon.Autodiff;

namespace Avalon.Training.Callbacks;

/// <summary>
/// Stops training when a monitored value has stopped improving (Keras's <c>EarlyStopping</c>): after
/// <see cref="Patience"/> epochs in a row without an improvement larger than <see cref="MinDelta"/>.
/// With <see cref="RestoreBestWeights"/>, the model gets the weights of its best epoch back when
/// training ends.
/// </summary>
/// <example>
/// <code>
/// model.Fit(loss, optimizer, train, epochs: 50, batchSize: 64, validation: test,
///     callbacks: [new EarlyStopping("val_loss", patience: 3, restoreBestWeights: true)]);
/// </code>
/// </example>
public sealed class EarlyStopping : ICallback
{
    private readonly MonitoredValue _best;
    private Dictionary<string, Tensor>? _bestWeights;

    /// <summary>Creates the callback.</summary>
    /// <param name="monitor">The log entry to watch (<c>val_loss</c>, <c>loss</c>, <c>val_accuracy</c>, ...). Default <c>val_loss</c>.</param>
    /// <param name="mode">Whether lower or higher is better; <see cref="MonitorMode.Auto"/> (default) decides from the name.</param>
    /// <param name="patience">The number of epochs without improvement after which training stops. Default 0, which like 1 stops at the first epoch that does not improve.</param>
    /// <param name="minDelta">The smallest change that counts as an improvement (≥ 0). Default 0.</param>
    /// <param name="restoreBestWeights">Whether to load the best epoch's weights into the model when training ends. Default false.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="patience"/> or <paramref name="minDelta"/> is negative.</exception>
    public EarlyStopping(string monitor = "val_loss", MonitorMode mode = MonitorMode.Auto, int patience = 0, double minDelta = 0, bool restoreBestWeights = false)
    {
        if (patience < 0)
            throw OpErrors.OutOfRange("EarlyStopping", nameof(patience), patience, $"patience must be non-negative, got {patience}.");
        _best = new MonitoredValue(monitor, mode, minDelta, nameof(EarlyStopping));
        Patience = patience;
        RestoreBestWeights = restoreBestWeights;
    }

    /// <summary>The log entry watched.</summary>
    public string Monitor => _best.Monitor;

    /// <summary>Whether lower (<see cref="MonitorMode.Min"/>) or higher (<see cref="MonitorMode.Max"/>) is better; never <see cref="MonitorMode.Auto"/>.</summary>
    public MonitorMode Mode => _best.Mode;

    /// <summary>The number of epochs without improvement after which training stops.</summary>
    public int Patience { get; }

    /// <summary>The smallest change that counts as an improvement.</summary>
    public double MinDelta => _best.MinDelta;

    /// <summary>Whether the best epoch's weights are loaded into the model when training ends.</summary>
    public bool RestoreBestWeights { get; }

    /// <summary>The best value seen (±∞ before the first epoch).</summary>
    public double Best => _best.Best;

    /// <summary>The epoch of the best value (0 before the first epoch).</summary>
    public int BestEpoch => _best.BestEpoch;

    /// <summary>The number of epochs since the last improvement.</summary>
    public int Wait { get; private set; }

    /// <summary>The epoch at which this callback stopped training, or <see langword="null"/> when it did not.</summary>
    public int? StoppedEpoch { get; private set; }

    /// <inheritdoc/>
    public void OnTrainBegin(CallbackContext context)
    {
        _best.Reset();
        Wait = 0;
        StoppedEpoch = null;
        _bestWeights = null;
    }

    /// <inheritdoc/>
    public void OnEpochEnd(CallbackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_best.Update(context, out _))
        {
            Wait = 0;
            if (RestoreBestWeights) _bestWeights = Snapshot(context);
            return;
        }
        Wait++;
        if (Wait >= Patience)
        {
            StoppedEpoch = context.Epoch;
            context.StopTraining = true;
            context.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"EarlyStopping: {Monitor} has not improved for {Wait} epoch(s) (best {Best:0.0000} at epoch {BestEpoch}); stopping after epoch {context.Epoch}."));
        }
    }

    /// <inheritdoc/>
    public void OnTrainEnd(CallbackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!RestoreBestWeights || _bestWeights is null || BestEpoch == context.Epoch) return;
        context.Model.LoadStateDict(_bestWeights);
        context.History.RestoredEpoch = BestEpoch;
        context.WriteLine(string.Create(CultureInfo.InvariantCulture, $"EarlyStopping: restored the weights of epoch {BestEpoch} ({Monitor} {Best:0.0000})."));
    }

    private static Dictionary<string, Tensor> Snapshot(CallbackContext context)
    {
        using var noGrad = new NoGrad();
        var copy = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in context.Model.StateDict()) copy.Add(key, tensor.Clone());
        return copy;
    }
}
