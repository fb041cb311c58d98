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
    /// <see cref="Checkpoint.OptimizerState"/>). Parameters are matched by index, as in PyTorch. The
    /// whole state is checked first; when any part does not fit, nothing changes.
    /// </summary>
    /// <param name="optimizer">The optimiser to restore; it must be over the same parameters, in the same groups.</param>
    /// <param name="state">The state, as written by <see cref="ToCheckpointState"/>.</param>
    /// <exception cref="ArgumentException">The state belongs to another kind of optimiser, is malformed, or does not fit this one's groups and parameters; the message lists every problem.</exception>
    public static void LoadCheckpointState(this Optimizer optimizer, OptimizerCheckpointState state)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(state);
        var problems = new List<string>();
        var prepared = Prepare(optimizer, state, problems);
        if (prepared is null)
            throw new ArgumentException(
                $"{optimizer.GetType().Name}.LoadCheckpointState: the state does not fit; nothing was loaded. " +
                (problems.Count == 1 ? problems[0] : $"{problems.Count} problems:\n  " + string.Join("\n  ", problems)), nameof(state));
        optimizer.CommitLoad(prepared);
    }

    /// <summary>
    /// Parses <paramref name="state"/> and checks all of it against <paramref name="optimizer"/> (type,
    /// groups, hyperparameters, every state entry) without changing anything; returns what to commit,
    /// or <see langword="null"/> after adding every problem to <paramref name="problems"/>.
    /// </summary>
    internal static Optimizer.PreparedState? Prepare(Optimizer optimizer, OptimizerCheckpointState state, List<string> problems)
    {
        string own = optimizer.GetType().Name;
        string? saved;
        OptimizerStateDict stateDict;
        try
        {
            saved = OptimizerStateJson.TypeOf(state);
            stateDict = OptimizerStateJson.ToStateDict(state, "optimizer state");
        }
        catch (Exception ex) when (ex is InvalidDataException or System.Text.Json.JsonException)
        {
            problems.Add(ex.Message);
            return null;
        }
        if (saved is not null && saved != own)
        {
            problems.Add($"the saved optimiser state is from {saved}, but the optimiser given is {own}; create a {saved} over the same parameters to resume.");
            return null;
        }
        var groups = optimizer.ParamGroups;
        if (stateDict.ParamGroups.Count != groups.Count)
        {
            problems.Add($"the saved optimiser state has {stateDict.ParamGroups.Count} parameter groups, the {own} given has {groups.Count}.");
            return null;
        }
        int before = problems.Count;
        for (int g = 0; g < groups.Count; g++)
        {
            int savedCount = stateDict.ParamGroups[g].Params.Length, count = groups[g].Parameters.Count;
            if (savedCount != count)
                problems.Add($"parameter group {g} has {savedCount} parameters in the saved optimiser state, {count} in the {own} given; build the optimiser over the same parameters as when saving.");
        }
        if (problems.Count > before) return null;
        var found = new List<string>();
        var prepared = optimizer.PrepareLoad(stateDict, found);
        foreach (var problem in found) problems.Add($"optimizer: {problem}");
        return prepared;
    }
}
