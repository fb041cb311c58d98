namespace Avalon.Optim.Schedulers;

/// <summary>How <see cref="ReduceLROnPlateau"/> decides that a metric improved enough (PyTorch's <c>threshold_mode</c>).</summary>
public enum ThresholdMode
{
    /// <summary>Relative: better than best·(1 ∓ threshold); PyTorch's <c>'rel'</c>, the default.</summary>
    Rel,

    /// <summary>Absolute: better than best ∓ threshold; PyTorch's <c>'abs'</c>.</summary>
    Abs,
}
