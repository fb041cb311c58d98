using System.Runtime.CompilerServices;

namespace Avalon.Autodiff;

/// <summary>
/// The hooks of the eager backward pass: code run after a leaf's gradient has been accumulated into its
/// <see cref="Tensor.Grad"/> for the last time in a pass (PyTorch's
/// <c>register_post_accumulate_grad_hook</c>), and callbacks queued during a pass to run when it ends
/// (PyTorch's <c>queue_callback</c>). Data-parallel training starts a gradient's communication from the
/// first and waits for it in the second.
/// </summary>
internal static class GradHooks
{
    private static readonly ConditionalWeakTable<Tensor, List<Action<Tensor>>> Hooks = new();
    private static int _registered;

    [ThreadStatic] private static List<Action>? _queued;
    [ThreadStatic] private static int _depth;

    /// <summary>Whether any post-accumulate hook is registered (the walk skips its bookkeeping otherwise).</summary>
    public static bool Any => Volatile.Read(ref _registered) > 0;

    /// <summary>Whether a backward walk is running on this thread.</summary>
    public static bool InBackward => _depth > 0;

    public static GradHookHandle Register(Tensor leaf, Action<Tensor> hook)
    {
        lock (Hooks)
        {
            Hooks.GetOrCreateValue(leaf).Add(hook);
            _registered++;
        }
        return new GradHookHandle(leaf, hook);
    }

    public static bool Remove(Tensor leaf, Action<Tensor> hook)
    {
        lock (Hooks)
        {
            if (!Hooks.TryGetValue(leaf, out var list) || !list.Remove(hook)) return false;
            _registered--;
            return true;
        }
    }

    public static bool HasHooks(Tensor leaf)
    {
        lock (Hooks) return Hooks.TryGetValue(leaf, out var list) && list.Count > 0;
    }

    public static void Fire(Tensor leaf)
    {
        Action<Tensor>[] hooks;
        lock (Hooks)
        {
            if (!Hooks.TryGetValue(leaf, out var list) || list.Count == 0) return;
            hooks = [.. list];
        }
        foreach (var hook in hooks) hook(leaf);
    }

    public static void Queue(Action callback)
    {
        if (_depth == 0)
            throw OpErrors.State("queue_callback", "a callback can only be queued while a backward pass runs (from a gradient hook).");
        (_queued ??= []).Add(callback);
    }

    public static void Enter() => _depth++;

    /// <summary>Leaves a walk; the outermost one runs the queued callbacks (when it finished without an error).</summary>
    public static void Exit(bool succeeded)
    {
        if (--_depth > 0) return;
        var queued = _queued;
        _queued = null;
        if (!succeeded || queued is null) return;
        // A callback may run a backward pass of its own and queue more; those run in its own walk.
        foreach (var callback in queued) callback();
    }
}
