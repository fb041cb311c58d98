namespace Avalon.Optim;

/// <summary>
/// An optimiser whose update of a parameter group is one multi-tensor call
/// (<c>Primitives.Optim.MultiTensorUpdatePrimitive</c>): its eager <see cref="Optimizer.Step()"/> makes
/// that call, and a compiled training step records it, reading the learning rate and the step counts
/// from tensors it writes before every run.
/// </summary>
internal interface IMultiTensorOptimizer
{
    /// <summary>The per-parameter 0-d float64 scalars of the call (Adam: the step count; SGD: none).</summary>
    int StepScalars { get; }

    /// <summary>
    /// Why the next step of <paramref name="parameters"/> cannot be recorded once and replayed, or null when
    /// it can (SGD's first step with momentum creates the buffers, a different update from the later ones).
    /// </summary>
    string? ReplayObstacle(ParamGroup group, IReadOnlyList<Tensor> parameters);

    /// <summary>
    /// Creates missing state and advances the per-parameter counts for one step of
    /// <paramref name="parameters"/> (as the eager step does), writing each parameter's scalars into
    /// <paramref name="scalars"/> (<see cref="StepScalars"/> per parameter, role-major). With
    /// <paramref name="ownedCounts"/> (one slot per parameter) the count is updated in a box the caller
    /// owns instead of a fresh one, so a compiled step allocates nothing.
    /// </summary>
    void Advance(ParamGroup group, IReadOnlyList<Tensor> parameters, Span<double> scalars, object?[]? ownedCounts);

    /// <summary>The state tensors of <paramref name="parameter"/> the call updates, in its input order.</summary>
    void AddStateTensors(ParamGroup group, Tensor parameter, List<Tensor> into);

    /// <summary>
    /// Makes the multi-tensor call for <paramref name="parameters"/> with their (dense) gradients, the
    /// per-parameter scalars as 0-d float64 tensors and the learning rate as a 0-d float64 tensor.
    /// </summary>
    void Update(ParamGroup group, IReadOnlyList<Tensor> parameters, IReadOnlyList<Tensor> gradients, IReadOnlyList<Tensor> scalars, Tensor lr);
}
