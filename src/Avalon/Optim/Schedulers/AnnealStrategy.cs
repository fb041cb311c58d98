namespace Avalon.Optim.Schedulers;

/// <summary>How <see cref="OneCycleLR"/> moves between two values within a phase (PyTorch's <c>anneal_strategy</c>).</summary>
public enum AnnealStrategy
{
    /// <summary>Half a cosine: end + (start − end)·(1 + cos(π·pct))/2 (PyTorch's <c>'cos'</c>, the default).</summary>
    Cos,

    /// <summary>A straight line: start + (end − start)·pct (PyTorch's <c>'linear'</c>).</summary>
    Linear,
}
