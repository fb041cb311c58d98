namespace Avalon.Interop.Torch.Pickle;

/// <summary>
/// What a restricted unpickler asks of its user: which globals exist, what a persistent id stands for,
/// and what calling an admitted global means. The unpickler itself executes nothing.
/// </summary>
internal interface IPickleHooks
{
    /// <summary>The token for global <paramref name="module"/>.<paramref name="name"/>; throws when it is not allowed.</summary>
    object ResolveGlobal(string module, string name);

    /// <summary>The object a persistent id (<c>BINPERSID</c>) stands for.</summary>
    object? PersistentLoad(object? id);

    /// <summary>The result of calling <paramref name="callable"/> (a token from <see cref="ResolveGlobal"/>) with <paramref name="arguments"/> (<c>REDUCE</c>, <c>NEWOBJ</c>).</summary>
    object? Call(object? callable, object?[] arguments);

    /// <summary>Applies <c>BUILD</c>'s <paramref name="state"/> to <paramref name="target"/>; returns the object that replaces it on the stack.</summary>
    object? Build(object? target, object? state);
}
