using Avalon.Nn;
using Avalon.Optim;
using Avalon.Training.Progress;

namespace Avalon.Training.Callbacks;

/// <summary>
/// What a callback sees of a training run: the model, the optimiser, where training is, the results
/// of the epoch just finished, and a flag to stop.
/// </summary>
/// <remarks>
/// <see cref="Logs"/> uses Keras's names: <c>loss</c> (mean training loss of the epoch), each metric by
/// its name (<c>accuracy</c>), <c>val_loss</c> and <c>val_&lt;metric&gt;</c> when there is validation
/// data, and <c>lr</c> (the first parameter group's learning rate during the epoch). A callback may add
/// entries; they are kept in the epoch's <see cref="EpochResult.Logs"/>.
/// </remarks>
public sealed class CallbackContext
{
    private readonly TrainingProgress? _progress;

    /// <summary>Creates a context (<c>Fit</c> makes one per run; build one directly to drive a callback by hand).</summary>
    /// <param name="model">The model being trained.</param>
    /// <param name="optimizer">The optimiser updating it.</param>
    /// <param name="epochs">The number of epochs planned.</param>
    public CallbackContext(Module model, Optimizer optimizer, int epochs)
        : this(model, optimizer, epochs, new TrainingHistory(), null)
    {
    }

    internal CallbackContext(Module model, Optimizer optimizer, int epochs, TrainingHistory history, TrainingProgress? progress)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        Model = model;
        Optimizer = optimizer;
        Epochs = epochs;
        History = history;
        _progress = progress;
    }

    /// <summary>
    /// Whether this is the process that reports and saves: true except on the ranks other than 0 of
    /// data-parallel training (<see cref="IDistributedModule"/>), where callbacks that write files
    /// (such as <see cref="ModelCheckpoint"/>) do nothing. Logs are reduced across processes, so
    /// callbacks that decide (early stopping) decide alike everywhere.
    /// </summary>
    public bool IsMainProcess { get; set; } = true;

    /// <summary>The model being trained.</summary>
    public Module Model { get; }

    /// <summary>The optimiser updating the model.</summary>
    public Optimizer Optimizer { get; }

    /// <summary>The number of epochs planned.</summary>
    public int Epochs { get; }

    /// <summary>The current epoch, 1-based (0 before the first).</summary>
    public int Epoch { get; set; }

    /// <summary>The number of training steps completed in the current epoch.</summary>
    public int Step { get; set; }

    /// <summary>The number of training steps in an epoch.</summary>
    public int StepsPerEpoch { get; set; }

    /// <summary>The number of training steps completed since training began.</summary>
    public long GlobalStep { get; set; }

    /// <summary>The loss of the latest training step (NaN before the first).</summary>
    public double BatchLoss { get; set; } = double.NaN;

    /// <summary>The mean training loss of the current epoch so far (NaN before its first step).</summary>
    public double RunningLoss { get; set; } = double.NaN;

    /// <summary>The results of the epoch (see the class remarks); filled before <see cref="ICallback.OnEpochEnd"/>, cleared when an epoch begins.</summary>
    public Dictionary<string, double> Logs { get; } = new(StringComparer.Ordinal);

    /// <summary>The epochs finished so far.</summary>
    public TrainingHistory History { get; }

    /// <summary>Set to true to end training after the current epoch (or, during a batch, after that batch).</summary>
    public bool StopTraining { get; set; }

    /// <summary>Writes a line of text without disturbing the progress display (nothing when progress is silent or absent).</summary>
    /// <param name="message">The text.</param>
    public void WriteLine(string message) => _progress?.WriteLine(message);

    /// <summary>The value of <paramref name="key"/> in <see cref="Logs"/>, with an error that lists the known keys when it is absent.</summary>
    /// <param name="key">The log key, for example <c>val_loss</c>.</param>
    /// <param name="callback">The name of the asking callback, for the message.</param>
    /// <exception cref="KeyNotFoundException">The key is not in the logs.</exception>
    public double GetLog(string key, string callback)
    {
        if (Logs.TryGetValue(key, out double value)) return value;
        string hint = key.StartsWith("val_", StringComparison.Ordinal)
            ? " Pass validation data to Fit, or monitor a training value such as 'loss'."
            : " Pass the metric to Fit, or monitor one of the known keys.";
        throw new KeyNotFoundException(
            $"{callback}: monitored value '{key}' is not in the epoch's logs (known: {(Logs.Count == 0 ? "none" : string.Join(", ", Logs.Keys))}).{hint}");
    }
}
