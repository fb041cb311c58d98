namespace Avalon.Optim.Schedulers;

/// <summary>
/// A learning-rate schedule whose state can be saved and restored (every <see cref="LRScheduler"/>
/// and <see cref="ReduceLROnPlateau"/>); checkpoints store it beside the optimiser
/// (<c>model.Save(path, optimizer, scheduler: scheduler)</c>).
/// </summary>
public interface ILearningRateScheduler
{
    /// <summary>The optimiser whose learning rates are scheduled.</summary>
    Optimizer Optimizer { get; }

    /// <summary>The schedule's state as plain values (<see cref="double"/>, <see cref="int"/>, <see cref="bool"/>, <see cref="string"/>, <c>double[]</c>, <c>int[]</c>), keyed like PyTorch's <c>state_dict()</c>.</summary>
    Dictionary<string, object> StateDict();

    /// <summary>Restores a state from <see cref="StateDict"/>; checks all of it first and changes nothing when any part does not fit.</summary>
    /// <exception cref="ArgumentException">A key is missing, has the wrong type or is out of range; the message lists every problem.</exception>
    void LoadStateDict(IReadOnlyDictionary<string, object> state);

    /// <summary>The problems <see cref="LoadStateDict"/> would report for <paramref name="state"/> (empty when it would load); changes nothing.</summary>
    IReadOnlyList<string> CheckStateDict(IReadOnlyDictionary<string, object> state);
}
