namespace Avalon.Autodiff;

public static partial class Autograd
{
    /// <summary>
    /// Registers <paramref name="hook"/> to run during every eager backward pass (<see cref="Tensor.Backward"/>)
    /// once <paramref name="leaf"/>'s gradient is complete: after the last contribution of the pass has been
    /// accumulated into its <see cref="Tensor.Grad"/> (PyTorch's <c>register_post_accumulate_grad_hook</c>).
    /// </summary>
    /// <remarks>
    /// <para>The hook gets the leaf and may read or replace its <see cref="Tensor.Grad"/>. It runs on the
    /// thread of the backward pass, in the order the gradients become ready (roughly the reverse of the
    /// forward order), while the rest of the backward pass is still to run — which is what lets
    /// data-parallel training start sending a gradient while the earlier layers' gradients are computed.
    /// It is not called for a leaf the pass gives no gradient, nor by <see cref="Grad(IReadOnlyList{Tensor}, IReadOnlyList{Tensor}, IReadOnlyList{Tensor?}?, bool?, bool, bool)"/>
    /// (which accumulates nothing), nor by traced or compiled steps (which have no eager pass).</para>
    /// </remarks>
    /// <param name="leaf">A leaf tensor that requires a gradient (a parameter).</param>
    /// <param name="hook">The code to run with the leaf.</param>
    /// <returns>A handle whose <see cref="GradHookHandle.Remove"/> unregisters the hook.</returns>
    /// <exception cref="InvalidOperationException"><paramref name="leaf"/> is not a leaf that requires a gradient.</exception>
    public static GradHookHandle RegisterPostAccumulateGradHook(Tensor leaf, Action<Tensor> hook)
    {
        ArgumentNullException.ThrowIfNull(leaf);
        ArgumentNullException.ThrowIfNull(hook);
        if (!leaf.RequiresGrad || leaf.GradFn is not null)
            throw OpErrors.State(
                "register_post_accumulate_grad_hook", $"expected a leaf tensor that requires a gradient, got a {leaf.DType.Name()}{leaf.Shape} tensor " +
                (leaf.GradFn is not null ? $"produced by {leaf.GradFn}." : "that does not require a gradient."));
        return GradHooks.Register(leaf, hook);
    }

    /// <summary>
    /// Queues <paramref name="callback"/> to run when the eager backward pass now running finishes
    /// (PyTorch's <c>Variable._execution_engine.queue_callback</c>); callable only from code that runs
    /// during a pass, such as a gradient hook. Callbacks run in the order queued, on the pass's thread,
    /// after every gradient has been accumulated, and not at all when the pass fails.
    /// </summary>
    /// <param name="callback">The code to run at the end of the pass.</param>
    /// <exception cref="InvalidOperationException">No backward pass is running on this thread.</exception>
    public static void QueueCallback(Action callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        GradHooks.Queue(callback);
    }
}
