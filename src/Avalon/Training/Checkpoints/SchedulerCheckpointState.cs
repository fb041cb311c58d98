namespace Avalon.Training.Checkpoints;

/// <summary>
/// A learning-rate scheduler's state as a checkpoint stores it: the scheduler's type name and its
/// <see cref="Optim.Schedulers.ILearningRateScheduler.StateDict"/>.
/// </summary>
public sealed class SchedulerCheckpointState
{
    /// <summary>Creates the state.</summary>
    /// <param name="type">The scheduler's class name (for example <c>StepLR</c>).</param>
    /// <param name="state">The state dict: values are numbers, bools, strings or lists of numbers.</param>
    public SchedulerCheckpointState(string type, IReadOnlyDictionary<string, object> state)
    {
        ArgumentException.ThrowIfNullOrEmpty(type);
        ArgumentNullException.ThrowIfNull(state);
        Type = type;
        State = state;
    }

    /// <summary>The scheduler's class name.</summary>
    public string Type { get; }

    /// <summary>The scheduler's state dict (integers read back as <see cref="long"/>, lists as <c>double[]</c> or <c>long[]</c>).</summary>
    public IReadOnlyDictionary<string, object> State { get; }
}
