namespace Avalon.Training.Callbacks;

/// <summary>
/// Code that <c>Fit</c> calls at fixed points of training (Keras's callbacks): to stop early, save
/// the best model, step a learning-rate schedule, log. Every method has an empty default, so a
/// callback implements only the events it needs.
/// </summary>
/// <remarks>
/// <para>Order of events: <see cref="OnTrainBegin"/>; then per epoch <see cref="OnEpochBegin"/>,
/// <see cref="OnBatchBegin"/>/<see cref="OnBatchEnd"/> around each training step, and
/// <see cref="OnEpochEnd"/> after validation, when <see cref="CallbackContext.Logs"/> holds the
/// epoch's results; finally <see cref="OnTrainEnd"/> (also when training stops early). Callbacks run
/// in the order they were given, each event for all callbacks before the next event.</para>
/// <para>Setting <see cref="CallbackContext.StopTraining"/> ends training after the current epoch
/// (set during a batch, it ends the epoch after that batch; validation and <see cref="OnEpochEnd"/>
/// still run).</para>
/// </remarks>
public interface ICallback
{
    /// <summary>Called once before the first epoch.</summary>
    /// <param name="context">The training state.</param>
    void OnTrainBegin(CallbackContext context) { }

    /// <summary>Called once after the last epoch, also when training stopped early.</summary>
    /// <param name="context">The training state.</param>
    void OnTrainEnd(CallbackContext context) { }

    /// <summary>Called at the start of each epoch, before the model is put in training mode.</summary>
    /// <param name="context">The training state; <see cref="CallbackContext.Epoch"/> is the epoch starting.</param>
    void OnEpochBegin(CallbackContext context) { }

    /// <summary>Called after each epoch's training and validation; <see cref="CallbackContext.Logs"/> holds its results.</summary>
    /// <param name="context">The training state.</param>
    void OnEpochEnd(CallbackContext context) { }

    /// <summary>Called before each training step.</summary>
    /// <param name="context">The training state; <see cref="CallbackContext.Step"/> is the number of steps already done in this epoch.</param>
    void OnBatchBegin(CallbackContext context) { }

    /// <summary>Called after each training step (after <c>optimizer.Step()</c>).</summary>
    /// <param name="context">The training state; <see cref="CallbackContext.BatchLoss"/> is the step's loss.</param>
    void OnBatchEnd(CallbackContext context) { }
}
