using System.Collections;
using System.Globalization;

namespace Avalon.Nn;

/// <summary>
/// A list of submodules (PyTorch's <c>nn.ModuleList</c>): the modules are children named <c>0</c>,
/// <c>1</c>, ..., so their parameters are found, but no <c>Forward</c> is defined: index or iterate it.
/// </summary>
/// <remarks>A plain <c>Module[]</c> or <c>List&lt;Linear&gt;</c> field works too and names its modules
/// <c>field.0</c>, <c>field.1</c>; use ModuleList where PyTorch code has one, so keys match.</remarks>
public class ModuleList : Module, IList<Module>, IReadOnlyList<Module>
{
    [Ignore] private readonly List<Module> _modules;

    /// <summary>Creates the list holding <paramref name="modules"/>.</summary>
    public ModuleList(params IEnumerable<Module> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        _modules = [];
        foreach (var m in modules) Add(m);
    }

    /// <summary>The number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>Always false.</summary>
    public bool IsReadOnly => false;

    /// <summary>The module at <paramref name="index"/> (negative counts from the end).</summary>
    public Module this[int index]
    {
        get => _modules[NormalizeIndex(index)];
        set
        {
            ArgumentNullException.ThrowIfNull(value);
            _modules[NormalizeIndex(index)] = value;
        }
    }

    /// <summary>Appends <paramref name="item"/>.</summary>
    public void Add(Module item)
    {
        ArgumentNullException.ThrowIfNull(item, nameof(item));
        _modules.Add(item);
    }

    /// <summary>Appends every module of <paramref name="modules"/> (PyTorch's <c>extend</c>).</summary>
    public void AddRange(IEnumerable<Module> modules)
    {
        foreach (var m in modules) Add(m);
    }

    /// <summary>Inserts <paramref name="item"/> at <paramref name="index"/>.</summary>
    public void Insert(int index, Module item)
    {
        ArgumentNullException.ThrowIfNull(item);
        _modules.Insert(index, item);
    }

    /// <summary>Removes the module at <paramref name="index"/>.</summary>
    public void RemoveAt(int index) => _modules.RemoveAt(NormalizeIndex(index));

    /// <summary>Removes <paramref name="item"/> (by reference); true when it was there.</summary>
    public bool Remove(Module item) => _modules.Remove(item);

    /// <summary>Removes every module.</summary>
    public void Clear() => _modules.Clear();

    /// <summary>Whether <paramref name="item"/> is in the list.</summary>
    public bool Contains(Module item) => _modules.Contains(item);

    /// <summary>The position of <paramref name="item"/>, or -1.</summary>
    public int IndexOf(Module item) => _modules.IndexOf(item);

    /// <summary>Copies the modules into <paramref name="array"/> from <paramref name="arrayIndex"/>.</summary>
    public void CopyTo(Module[] array, int arrayIndex) => _modules.CopyTo(array, arrayIndex);

    /// <inheritdoc />
    public IEnumerator<Module> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    internal override IReadOnlyList<Module>? AdditionalChildList => _modules;

    /// <inheritdoc />
    protected override IEnumerable<KeyValuePair<string, Module>> AdditionalChildren()
    {
        for (int i = 0; i < _modules.Count; i++)
            yield return new(i.ToString(CultureInfo.InvariantCulture), _modules[i]);
    }

    private int NormalizeIndex(int index)
    {
        int i = index < 0 ? index + _modules.Count : index;
        if (i < 0 || i >= _modules.Count)
            throw OpErrors.OutOfRange("ModuleList", nameof(index), $"index {index} is out of range for {_modules.Count} modules.");
        return i;
    }
}
