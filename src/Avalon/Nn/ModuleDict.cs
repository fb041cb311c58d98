using System.Collections;
using System.Diagnostics.CodeAnalysis;

namespace Avalon.Nn;

/// <summary>
/// Submodules by name, in insertion order (PyTorch's <c>nn.ModuleDict</c>): each is a child under its
/// key, so <c>heads["cls"].weight</c> appears as <c>heads.cls.weight</c>.
/// </summary>
public class ModuleDict : Module, IReadOnlyDictionary<string, Module>
{
    [Ignore] private readonly OrderedDictionary<string, Module> _modules = new();

    /// <summary>Creates an empty dictionary.</summary>
    public ModuleDict() { }

    /// <summary>Creates the dictionary holding <paramref name="modules"/>, in order.</summary>
    public ModuleDict(IEnumerable<KeyValuePair<string, Module>> modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var (k, v) in modules) this[k] = v;
    }

    /// <summary>The module named <paramref name="key"/>; setting adds or replaces it.</summary>
    public Module this[string key]
    {
        get => _modules.TryGetValue(key, out var m) ? m
            : throw new KeyNotFoundException($"ModuleDict: no module named '{key}' (have: {string.Join(", ", _modules.Keys)}).");
        set
        {
            if (string.IsNullOrEmpty(key) || key.Contains('.'))
                throw OpErrors.Argument("ModuleDict", $"a key must be non-empty and contain no '.', got '{key}'.", nameof(key));
            ArgumentNullException.ThrowIfNull(value);
            _modules[key] = value;
        }
    }

    /// <summary>The number of modules.</summary>
    public int Count => _modules.Count;

    /// <summary>The names, in order.</summary>
    public IEnumerable<string> Keys => _modules.Keys;

    /// <summary>The modules, in order.</summary>
    public IEnumerable<Module> Values => _modules.Values;

    /// <summary>Whether a module is named <paramref name="key"/>.</summary>
    public bool ContainsKey(string key) => _modules.ContainsKey(key);

    /// <summary>Removes the module named <paramref name="key"/>; true when it was there.</summary>
    public bool Remove(string key) => _modules.Remove(key);

    /// <summary>The module named <paramref name="key"/>, if any.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out Module value) => _modules.TryGetValue(key, out value);

    /// <inheritdoc />
    public IEnumerator<KeyValuePair<string, Module>> GetEnumerator() => _modules.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    internal override IReadOnlyList<Module>? AdditionalChildList => _modules.Values;

    /// <inheritdoc />
    protected override IEnumerable<KeyValuePair<string, Module>> AdditionalChildren() => _modules;
}
