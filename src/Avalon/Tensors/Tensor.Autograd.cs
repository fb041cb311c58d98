using Avalon.Autodiff;

namespace Avalon;

public sealed partial class Tensor
{
    private bool _requiresGrad;

    /// <summary>
    /// Whether operations on this tensor are recorded for <see cref="Backward"/>. Settable on leaves
    /// (tensors not produced by a recorded operation) of floating-point dtype.
    /// </summary>
    public bool RequiresGrad
    {
        get => _requiresGrad;
        set
        {
            if (GradFn is not null)
                throw new InvalidOperationException(
                    "RequiresGrad can only be changed on leaf tensors; this tensor was produced by " + GradFn +
                    ". Use Detach() to get a leaf.");
            if (value && !DType.IsFloatingPoint())
                throw new InvalidOperationException($"Only floating-point tensors can require gradients, but this tensor is {DType.Name()}.");
            _requiresGrad = value;
        }
    }

    internal bool RequiresGradInternal { set => _requiresGrad = value; }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor (PyTorch's <c>requires_grad_()</c>).</summary>
    public Tensor RequiresGrad_(bool requiresGrad = true)
    {
        RequiresGrad = requiresGrad;
        return this;
    }

    /// <summary>The accumulated gradient of a leaf after <see cref="Backward"/>; null before.</summary>
    public Tensor? Grad { get; set; }

    /// <summary>The recorded call that produced this tensor, or null for a leaf.</summary>
    public GradNode? GradFn { get; internal set; }

    /// <summary>Which output of <see cref="GradFn"/> this tensor is (0 for single-output primitives).</summary>
    internal int GradFnOutput { get; set; }

    /// <summary>For a view made by a differentiable view primitive: the tensor it views and the call (see <see cref="ViewRebase"/>).</summary>
    internal ViewOrigin? ViewOrigin { get; set; }

    /// <summary>
    /// The version counter of this tensor's storage (PyTorch's <c>_version</c>): incremented by every
    /// in-place operation on it or on a view sharing its storage.
    /// </summary>
    public int Version => Storage.Version;

    /// <summary>True when this tensor was not produced by a recorded operation.</summary>
    public bool IsLeaf => GradFn is null;

    /// <summary>
    /// Computes the gradient of this tensor with respect to every leaf that requires a gradient and
    /// accumulates it into their <see cref="Grad"/> (PyTorch's <c>backward()</c>).
    /// </summary>
    /// <param name="gradient">The gradient of the objective with respect to this tensor; may be omitted for a single-element tensor.</param>
    /// <param name="createGraph">Record the backward computation so it can itself be differentiated.</param>
    /// <param name="retainGraph">
    /// Keep the graph so that it can be walked again; without it (and without <paramref name="createGraph"/>),
    /// a second backward through the same calls is an error, as in PyTorch.
    /// </param>
    public void Backward(Tensor? gradient = null, bool createGraph = false, bool? retainGraph = null) =>
        EagerBackward.Run(this, gradient, createGraph, retainGraph ?? createGraph);

    /// <summary>
    /// A tensor sharing this one's storage through which no gradient flows (PyTorch's <c>detach()</c>).
    /// While a tape traces, the call is recorded as <c>detach</c> (a stop-gradient), so a replay
    /// recomputes it from the new inputs.
    /// </summary>
    public Tensor Detach() => Avalon.Primitives.Views.DetachPrimitives.Detach.Invoke(Avalon.Primitives.Attributes.Empty, this);
}
