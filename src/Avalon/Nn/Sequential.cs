using System.Collections;
using System.Globalization;

namespace Avalon.Nn;

/// <summary>
/// Modules applied one after the other (PyTorch's <c>nn.Sequential</c>): <see cref="Forward"/> feeds
/// each module's output to the next. The modules are children named <c>0</c>, <c>1</c>, ...
/// </summary>
/// <example><code>
/// var mlp = new Sequential(new Linear(784, 128), new ReLU(), new Linear(128, 10));
/// </code></example>
public class Sequential : Module, IReadOnlyList<Module>
{
    [Ignore] private readonly List<Module> _modules;

    /// <summary>Creates the chain of <paramref name="modules"/>, in order.</summary>
    public Sequential(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        for (int i = 0; i < modules.Length; i++)
            if (modules[i] is null) throw new ArgumentNullException(nameof(modules), $"Sequential: module {i} is null.");
        _modules = [.. modules];
    }

    /// <summary>The number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>The module at <paramref name="index"/> (negative counts from the end); setting it replaces that module (PyTorch's <c>seq[i] = m</c>).</summary>
    /// <exception cref="ArgumentNullException">The module set is null.</exception>
    public Module this[int index]
    {
        get => _modules[NormalizeIndex(index)];
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _modules[NormalizeIndex(index)] = value;
        }
    }

    /// <summary>Appends <paramref name="module"/> at the end of the chain.</summary>
    /// <returns>This container.</returns>
    public Sequential Append(Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        _modules.Add(module);
        return this;
    }

    /// <summary>Applies every module in order.</summary>
    /// <param name="input">The input of the first module.</param>
    /// <returns>The output of the last module (the input itself when empty).</returns>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        foreach (var m in _modules) x = m.Forward(x);
        return x;
    }

    /// <inheritdoc />
    internal override IReadOnlyList<Module>? AdditionalChildList => _modules;

    /// <inheritdoc />
    protected override IEnumerable<KeyValuePair<string, Module>> AdditionalChildren()
    {
        for (int i = 0; i < _modules.Count; i++)
            yield return new(i.ToString(CultureInfo.InvariantCulture), _modules[i]);
    }

    /// <inheritdoc />
    public IEnumerator<Module> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private int NormalizeIndex(int index)
    {
        int i = index < 0 ? index + _modules.Count : index;
        if (i < 0 || i >= _modules.Count)
            throw OpErrors.OutOfRange("Sequential", nameof(index), $"index {index} is out of range for {_modules.Count} modules.");
        return i;
    }
}
