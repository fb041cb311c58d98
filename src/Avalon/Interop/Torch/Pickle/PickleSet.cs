namespace Avalon.Interop.Torch.Pickle;

/// <summary>A Python set or frozenset read from a pickle.</summary>
public sealed class PickleSet : HashSet<object>
{
    /// <summary>An empty set.</summary>
    public PickleSet() : base(PickleKeyComparer.Instance) { }
}
