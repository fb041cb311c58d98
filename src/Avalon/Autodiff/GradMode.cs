namespace Avalon.Autodiff;

/// <summary>Whether eager operations build the autograd graph (PyTorch's grad mode).</summary>
public static class GradMode
{
    [ThreadStatic] private static int t_disabledDepth;

    /// <summary>True unless inside a <see cref="NoGrad"/> scope on this thread.</summary>
    public static bool IsEnabled => t_disabledDepth == 0;

    internal static void Disable() => t_disabledDepth++;

    internal static void Restore() => t_disabledDepth--;
}

/// <summary>
/// A scope in which eager operations record no autograd graph (PyTorch's <c>torch.no_grad()</c>):
/// <c>using (new NoGrad()) { ... }</c>. Tapes being traced still record.
/// </summary>
public readonly struct NoGrad : IDisposable
{
    /// <summary>Enters the scope.</summary>
    public NoGrad() => GradMode.Disable();

    /// <summary>Leaves the scope.</summary>
    public void Dispose() => GradMode.Restore();
}
