namespace Avalon.Interop.Torch.Pickle;

/// <summary>
/// A Python dict or OrderedDict read from a pickle, in insertion order. Keys are strings, integers
/// (<see cref="long"/>), floats, booleans or tuples of those (<see cref="PickleTuple"/>).
/// </summary>
public sealed class PickleDict : OrderedDictionary<object, object?>
{
    /// <summary>An empty dict.</summary>
    public PickleDict() : base(PickleKeyComparer.Instance) { }
}
