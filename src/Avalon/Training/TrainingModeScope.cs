using Avalon.Nn;

namespace Avalon.Training;

/// <summary>
/// Remembers the training mode of every module in a tree and puts it back on dispose, so
/// <c>Evaluate</c> and <c>Predict</c> can switch to evaluation mode without changing a model whose
/// submodules were in mixed modes (for example a frozen, evaluating backbone).
/// </summary>
internal readonly struct TrainingModeScope : IDisposable
{
    private readonly List<(Module Module, bool Training)> _modes;

    private TrainingModeScope(Module model, bool training)
    {
        _modes = [];
        foreach (var m in model.Modules()) _modes.Add((m, m.Training));
        model.Train(training);
    }

    /// <summary>Puts <paramref name="model"/> in evaluation mode until the scope is disposed.</summary>
    public static TrainingModeScope Eval(Module model) => new(model, false);

    /// <summary>Puts <paramref name="model"/> in training mode until the scope is disposed.</summary>
    public static TrainingModeScope Train(Module model) => new(model, true);

    public void Dispose()
    {
        if (_modes is null) return;
        // Modules() is pre-order, so a parent's Train() runs before its children's and never undoes them.
        foreach (var (module, training) in _modes) module.Train(training);
    }
}
