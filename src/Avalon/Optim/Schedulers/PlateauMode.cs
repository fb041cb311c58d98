namespace Avalon.Optim.Schedulers;

/// <summary>Whether <see cref="ReduceLROnPlateau"/> watches a metric that should fall or rise (PyTorch's <c>mode</c>).</summary>
public enum PlateauMode
{
    /// <summary>Lower is better (a loss); PyTorch's <c>'min'</c>, the default.</summary>
    Min,

    /// <summary>Higher is better (an accuracy); PyTorch's <c>'max'</c>.</summary>
    Max,
}
