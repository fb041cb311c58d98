using Avalon.Optim.Schedulers;

namespace Avalon.Training.Callbacks;

/// <summary>
/// Steps a learning-rate schedule during <c>Fit</c>: an <see cref="LRScheduler"/> once per epoch or
/// after every batch, or a <see cref="ReduceLROnPlateau"/> once per epoch with a monitored value.
/// </summary>
/// <example>
/// <code>
/// var schedule = new StepLR(optimizer, stepSize: 10, gamma: 0.5);
/// model.Fit(loss, optimizer, train, epochs: 30, batchSize: 64, callbacks: [new LearningRateSchedulerCallback(schedule)]);
///
/// var plateau = new ReduceLROnPlateau(optimizer, patience: 2);
/// model.Fit(loss, optimizer, train, epochs: 30, batchSize: 64, validation: test, callbacks: [new LearningRateSchedulerCallback(plateau, "val_loss")]);
/// </code>
/// </example>
public sealed class LearningRateSchedulerCallback : ICallback
{
    private readonly LRScheduler? _scheduler;
    private readonly ReduceLROnPlateau? _plateau;

    /// <summary>Steps <paramref name="scheduler"/> once per epoch or after every batch.</summary>
    /// <param name="scheduler">The schedule, built over the optimiser given to <c>Fit</c>.</param>
    /// <param name="interval">When to step it. Default <see cref="SchedulerInterval.Epoch"/>.</param>
    public LearningRateSchedulerCallback(LRScheduler scheduler, SchedulerInterval interval = SchedulerInterval.Epoch)
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        if (!Enum.IsDefined(interval))
            throw OpErrors.OutOfRange("LearningRateSchedulerCallback", nameof(interval), interval, $"unknown interval {interval}.");
        _scheduler = scheduler;
        Interval = interval;
    }

    /// <summary>Steps <paramref name="scheduler"/> at the end of every epoch with the value of <paramref name="monitor"/>.</summary>
    /// <param name="scheduler">The plateau schedule, built over the optimiser given to <c>Fit</c>; its mode says whether lower or higher is better.</param>
    /// <param name="monitor">The log entry passed to <see cref="ReduceLROnPlateau.Step(double)"/>. Default <c>val_loss</c>.</param>
    public LearningRateSchedulerCallback(ReduceLROnPlateau scheduler, string monitor = "val_loss")
    {
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentException.ThrowIfNullOrEmpty(monitor);
        _plateau = scheduler;
        Monitor = monitor;
        Interval = SchedulerInterval.Epoch;
    }

    /// <summary>When the schedule is stepped.</summary>
    public SchedulerInterval Interval { get; }

    /// <summary>The log entry given to a <see cref="ReduceLROnPlateau"/>, or <see langword="null"/> for other schedules.</summary>
    public string? Monitor { get; }

    /// <inheritdoc/>
    public void OnTrainBegin(CallbackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var optimizer = _scheduler?.Optimizer ?? _plateau!.Optimizer;
        if (!ReferenceEquals(optimizer, context.Optimizer))
            throw OpErrors.Argument(
                "LearningRateSchedulerCallback", $"the {(_scheduler?.GetType() ?? _plateau!.GetType()).Name} schedules a different {optimizer.GetType().Name} than the {context.Optimizer.GetType().Name} being trained; build the schedule over the optimiser passed to Fit.");
    }

    /// <inheritdoc/>
    public void OnBatchEnd(CallbackContext context)
    {
        if (Interval == SchedulerInterval.Batch) _scheduler!.Step();
    }

    /// <inheritdoc/>
    public void OnEpochEnd(CallbackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_plateau is not null) _plateau.Step(context.GetLog(Monitor!, nameof(LearningRateSchedulerCallback)));
        else if (Interval == SchedulerInterval.Epoch) _scheduler!.Step();
    }
}
