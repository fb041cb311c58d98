namespace Avalon.Interop.Torch.Pickle;

/// <summary>A global (<c>module.name</c>) that a pickle named and the allow-list admitted: a token, never code.</summary>
/// <param name="Module">The module, for example <c>collections</c>.</param>
/// <param name="Name">The name inside it, for example <c>OrderedDict</c>.</param>
internal sealed record PickleGlobal(string Module, string Name)
{
    /// <summary>The dotted name, as PyTorch's error messages write it.</summary>
    public string FullName => Module + "." + Name;

    /// <inheritdoc/>
    public override string ToString() => FullName;
}
