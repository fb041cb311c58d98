namespace Avalon.Training.Callbacks;

/// <summary>Whether a monitored value is better when lower or when higher.</summary>
public enum MonitorMode
{
    /// <summary>Chosen from the name: <see cref="Max"/> for accuracy-like names (containing <c>acc</c>, <c>f1</c>, <c>precision</c> or <c>recall</c>), <see cref="Min"/> otherwise (losses).</summary>
    Auto,

    /// <summary>Lower is better (losses).</summary>
    Min,

    /// <summary>Higher is better (accuracy).</summary>
    Max,
}
