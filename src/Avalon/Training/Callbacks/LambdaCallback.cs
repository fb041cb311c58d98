namespace Avalon.Training.Callbacks;

/// <summary>A callback made of delegates, for a few lines of user code at some events (Keras's <c>LambdaCallback</c>).</summary>
/// <example>
/// <code>
/// var log = new LambdaCallback(onEpochEnd: c => Console.WriteLine($"epoch {c.Epoch}: {c.Logs["loss"]:0.000}"));
/// </code>
/// </example>
/// <param name="onTrainBegin">Runs at <see cref="ICallback.OnTrainBegin"/>, or nothing.</param>
/// <param name="onTrainEnd">Runs at <see cref="ICallback.OnTrainEnd"/>, or nothing.</param>
/// <param name="onEpochBegin">Runs at <see cref="ICallback.OnEpochBegin"/>, or nothing.</param>
/// <param name="onEpochEnd">Runs at <see cref="ICallback.OnEpochEnd"/>, or nothing.</param>
/// <param name="onBatchBegin">Runs at <see cref="ICallback.OnBatchBegin"/>, or nothing.</param>
/// <param name="onBatchEnd">Runs at <see cref="ICallback.OnBatchEnd"/>, or nothing.</param>
public sealed class LambdaCallback(
    Action<CallbackContext>? onTrainBegin = null,
    Action<CallbackContext>? onTrainEnd = null,
    Action<CallbackContext>? onEpochBegin = null,
    Action<CallbackContext>? onEpochEnd = null,
    Action<CallbackContext>? onBatchBegin = null,
    Action<CallbackContext>? onBatchEnd = null) : ICallback
{
    /// <inheritdoc/>
    public void OnTrainBegin(CallbackContext context) => onTrainBegin?.Invoke(context);

    /// <inheritdoc/>
    public void OnTrainEnd(CallbackContext context) => onTrainEnd?.Invoke(context);

    /// <inheritdoc/>
    public void OnEpochBegin(CallbackContext context) => onEpochBegin?.Invoke(context);

    /// <inheritdoc/>
    public void OnEpochEnd(CallbackContext context) => onEpochEnd?.Invoke(context);

    /// <inheritdoc/>
    public void OnBatchBegin(CallbackContext context) => onBatchBegin?.Invoke(context);

    /// <inheritdoc/>
    public void OnBatchEnd(CallbackContext context) => onBatchEnd?.Invoke(context);
}
