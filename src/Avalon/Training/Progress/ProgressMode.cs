namespace Avalon.Training.Progress;

/// <summary>How <see cref="TrainingProgress"/> shows progress.</summary>
public enum ProgressMode
{
    /// <summary>A live progress bar on an interactive terminal; plain lines when output is redirected or in CI.</summary>
    Auto,

    /// <summary>A live, redrawn progress bar (needs an interactive terminal).</summary>
    Live,

    /// <summary>Plain lines every 10 % of an epoch and at its end, readable in logs.</summary>
    Plain,

    /// <summary>Nothing.</summary>
    Silent,
}
