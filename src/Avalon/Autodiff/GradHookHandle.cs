namespace Avalon.Autodiff;

/// <summary>
/// A registered gradient hook (PyTorch's <c>RemovableHandle</c>): <see cref="Remove"/> unregisters it.
/// </summary>
public sealed class GradHookHandle
{
    private readonly Tensor _leaf;
    private readonly Action<Tensor> _hook;

    internal GradHookHandle(Tensor leaf, Action<Tensor> hook)
    {
        _leaf = leaf;
        _hook = hook;
    }

    /// <summary>Unregisters the hook; later backward passes no longer call it. Removing twice does nothing.</summary>
    public void Remove() => GradHooks.Remove(_leaf, _hook);
}
