namespace Avalon.Distributed;

/// <summary>
/// The scope of <see cref="DistributedDataParallel.NoSync"/> (PyTorch's <c>no_sync()</c>): while it is
/// open, backward passes accumulate gradients locally without communicating; disposing it restores
/// synchronisation, so the next backward all-reduces the accumulated gradients.
/// </summary>
public readonly struct NoSyncScope : IDisposable
{
    private readonly DistributedDataParallel? _model;
    private readonly bool _previous;

    internal NoSyncScope(DistributedDataParallel model)
    {
        _model = model;
        _previous = model.RequireBackwardGradSync;
        model.RequireBackwardGradSync = false;
    }

    /// <summary>Restores the synchronisation setting in force when the scope was opened.</summary>
    public void Dispose()
    {
        if (_model is not null) _model.RequireBackwardGradSync = _previous;
    }
}
