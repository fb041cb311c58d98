namespace Avalon.Training.Checkpoints;

/// <summary>
/// An optimiser's state in the form a checkpoint stores it, mirroring PyTorch's
/// <c>optimizer.state_dict()</c>: per-parameter tensors (<c>state[index][name]</c>, for example
/// <c>state[0]["exp_avg"]</c>) and everything else — parameter groups, hyper-parameters, scalar
/// state such as step counts — as one JSON document owned by the optimiser.
/// </summary>
public sealed class OptimizerCheckpointState
{
    /// <summary>Creates the state.</summary>
    /// <param name="state">The tensors by parameter index, then by name; indices ≥ 0, names non-empty.</param>
    /// <param name="json">The rest of the state as a JSON value (for example <c>{"param_groups": [...]}</c>).</param>
    /// <exception cref="ArgumentException">A negative index, an empty name, or <paramref name="json"/> that is not valid JSON.</exception>
    public OptimizerCheckpointState(IReadOnlyDictionary<int, IReadOnlyDictionary<string, Tensor>> state, string json)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(json);
        foreach (var (index, tensors) in state)
        {
            if (index < 0)
                throw OpErrors.Argument("OptimizerCheckpointState", $"parameter index {index} is negative.", nameof(state));
            ArgumentNullException.ThrowIfNull(tensors, $"state[{index}]");
            foreach (var (name, tensor) in tensors)
            {
                if (string.IsNullOrEmpty(name))
                    throw OpErrors.Argument("OptimizerCheckpointState", $"state[{index}] has an empty tensor name.", nameof(state));
                ArgumentNullException.ThrowIfNull(tensor, $"state[{index}][\"{name}\"]");
            }
        }
        try
        {
            using var _ = System.Text.Json.JsonDocument.Parse(json);
        }
        catch (System.Text.Json.JsonException ex)
        {
            throw new ArgumentException($"OptimizerCheckpointState: the optimiser's JSON is not valid ({ex.Message}).", nameof(json), ex);
        }
        State = state;
        Json = json;
    }

    /// <summary>The per-parameter tensors: parameter index → state name → tensor.</summary>
    public IReadOnlyDictionary<int, IReadOnlyDictionary<string, Tensor>> State { get; }

    /// <summary>The parameter groups and scalar state, as the optimiser wrote them (a JSON value).</summary>
    public string Json { get; }
}
