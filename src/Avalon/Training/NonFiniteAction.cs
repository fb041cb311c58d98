namespace Avalon.Training;

/// <summary>What <c>Fit</c> does when a training step's loss, or a gradient, is NaN or infinite (<see cref="FitOptions.OnNonFinite"/>).</summary>
public enum NonFiniteAction
{
    /// <summary>
    /// Stop training with <see cref="NonFiniteException"/>, raised before the optimiser applies the step,
    /// so the weights (and any checkpoint saved so far) are those of the last good step. The default.
    /// </summary>
    Stop,

    /// <summary>
    /// Leave the weights and the optimiser's state untouched for that batch and go on with the next; the
    /// batch's loss is left out of the epoch's mean loss and metrics, and the skips are counted in
    /// <see cref="EpochResult.SkippedSteps"/> (and the epoch's <c>skipped_steps</c> log entry).
    /// </summary>
    Skip,

    /// <summary>Check nothing: the optimiser applies whatever the step computed (the behaviour before these checks existed).</summary>
    Ignore,
}
