namespace Avalon.Training.Progress;

/// <summary>Progress that shows nothing (it still tracks the numbers).</summary>
internal sealed class SilentTrainingProgress(int epochs, string? metricName, TimeProvider time) : TrainingProgress(epochs, metricName, time)
{
    public override void WriteLine(string message) { }

    private protected override void OnBeginEpoch() { }

    private protected override void OnUpdate(int previousStep) { }

    private protected override void OnEndEpoch(string? summary) { }
}
