namespace Avalon.Training.Callbacks;

/// <summary>How often <see cref="LearningRateSchedulerCallback"/> steps its schedule.</summary>
public enum SchedulerInterval
{
    /// <summary>Once per epoch, after validation (epoch-based schedules such as StepLR).</summary>
    Epoch,

    /// <summary>After every training step (per-batch schedules such as OneCycleLR).</summary>
    Batch,
}
