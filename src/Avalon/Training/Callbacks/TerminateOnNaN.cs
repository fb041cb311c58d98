using System.Globalization;

namespace Avalon.Training.Callbacks;

/// <summary>
/// Stops training after the first training step whose loss is NaN or infinite (Keras's
/// <c>TerminateOnNaN</c>): it sets <see cref="CallbackContext.StopTraining"/> in
/// <see cref="ICallback.OnBatchEnd"/>, so the epoch ends after that batch and <c>Fit</c> returns its
/// history instead of raising.
/// </summary>
/// <remarks>
/// With <see cref="FitOptions.OnNonFinite"/> at its default (<see cref="NonFiniteAction.Stop"/>),
/// <c>Fit</c> itself raises <see cref="NonFiniteException"/> before this callback sees the step; the
/// callback is for runs with <see cref="NonFiniteAction.Ignore"/> (stop, Keras-style, with the update
/// applied) or <see cref="NonFiniteAction.Skip"/> (stop at the first skipped batch). A stopped epoch
/// still runs validation and <see cref="ICallback.OnEpochEnd"/>; a keep-best
/// <see cref="ModelCheckpoint"/> does not save a NaN monitored value, since NaN never improves on the best.
/// </remarks>
/// <example>
/// <code>
/// model.Fit(loss, optimizer, train, epochs: 10, batchSize: 64,
///     callbacks: [new TerminateOnNaN()], options: new FitOptions { OnNonFinite = NonFiniteAction.Ignore });
/// </code>
/// </example>
public sealed class TerminateOnNaN : ICallback
{
    /// <summary>The epoch of the step with the non-finite loss, or <see langword="null"/> when training did not stop for it.</summary>
    public int? StoppedEpoch { get; private set; }

    /// <summary>The step (1-based, within <see cref="StoppedEpoch"/>) with the non-finite loss, or <see langword="null"/>.</summary>
    public int? StoppedStep { get; private set; }

    /// <inheritdoc/>
    public void OnTrainBegin(CallbackContext context)
    {
        StoppedEpoch = null;
        StoppedStep = null;
    }

    /// <inheritdoc/>
    public void OnBatchEnd(CallbackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (double.IsFinite(context.BatchLoss) || StoppedEpoch is not null) return;
        StoppedEpoch = context.Epoch;
        StoppedStep = context.Step;
        context.StopTraining = true;
        context.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"TerminateOnNaN: epoch {context.Epoch}, batch {context.Step}: invalid loss {context.BatchLoss}; terminating training."));
    }
}
