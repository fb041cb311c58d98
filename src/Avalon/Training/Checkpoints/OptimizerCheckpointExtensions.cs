using Avalon.Optim;

namespace Avalon.Training.Checkpoints;

/// <summary>
/// Converts an optimiser's state (<see cref="Optimizer.StateDict"/>) to the form a
/// <see cref="Checkpoint"/> stores and back: per-parameter tensors under
/// <c>optimizer.state.&lt;index&gt;.&lt;name&gt;</c>, everything else (the optimiser's type, its
/// parameter groups and scalar state such as step counts) as JSON.
/// </summary>
public static class OptimizerCheckpointExtensions
{
    /// <summary>A snapshot of the optimiser's state in checkpoint form.</summary>
    /// <param name="optimizer">The optimiser.</param>
    /// <exception cref="NotSupportedException">A hyperparameter or state value has a type checkpoints cannot store.</exception>
    public static OptimizerCheckpointState ToCheckpointState(this Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        return OptimizerStateJson.ToCheckpointState(optimizer.StateDict(), optimizer.GetType().Name);
    }

    /// <summary>
    /// Replaces the optimiser's state and hyperparameters with <paramref name="state"/> (for example
    /// <see cref="Checkpoint.OptimizerState"/>). Parameters are matched by index, as in PyTorch.
    /// </summary>
    /// <param name="optimizer">The optimiser to restore; it must be over the same parameters, in the same groups.</param>
    /// <param name="state">The state, as written by <see cref="ToCheckpointState"/>.</param>
    /// <exception cref="ArgumentException">The state belongs to another kind of optimiser, or its groups do not fit this one's.</exception>
    /// <exception cref="InvalidDataException">The state's JSON is not in the documented form.</exception>
    public static void LoadCheckpointState(this Optimizer optimizer, OptimizerCheckpointState state)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(state);
        var stateDict = Prepare(optimizer, state, $"{optimizer.GetType().Name}.LoadCheckpointState");
        optimizer.LoadStateDict(stateDict);
    }

    /// <summary>
    /// Parses <paramref name="state"/> and checks that it fits <paramref name="optimizer"/> (type, number
    /// and sizes of the groups) without changing anything, so callers can check before they load.
    /// </summary>
    internal static OptimizerStateDict Prepare(Optimizer optimizer, OptimizerCheckpointState state, string operation)
    {
        string own = optimizer.GetType().Name;
        string? saved = OptimizerStateJson.TypeOf(state);
        if (saved is not null && saved != own)
            throw new ArgumentException($"{operation}: the saved optimiser state is from {saved}, but the optimiser given is {own}; create a {saved} over the same parameters to resume.");
        var stateDict = OptimizerStateJson.ToStateDict(state, operation);
        var groups = optimizer.ParamGroups;
        if (stateDict.ParamGroups.Count != groups.Count)
            throw new ArgumentException(
                $"{operation}: the saved optimiser state has {stateDict.ParamGroups.Count} parameter groups, the {own} given has {groups.Count}.");
        for (int g = 0; g < groups.Count; g++)
        {
            int savedCount = stateDict.ParamGroups[g].Params.Length, count = groups[g].Parameters.Count;
            if (savedCount != count)
                throw new ArgumentException(
                    $"{operation}: parameter group {g} has {savedCount} parameters in the saved optimiser state, {count} in the {own} given; build the optimiser over the same parameters as when saving.");
        }
        return stateDict;
    }
}
