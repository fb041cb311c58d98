using Avalon.Autodiff;
using Avalon.Primitives;

namespace Avalon.Compiler;

/// <summary>
/// Which values of a tape share memory and which memory the tape writes in place: every value has a
/// root (the value owning the buffer it lives in: itself for a fresh result, the viewed value's root
/// for a view, the mutated argument's root for an in-place result); a root written by an in-place call
/// is <em>mutated</em>. A pass may merge, fold or replace only <see cref="IsStable(int)"/> values: a value
/// whose memory changes during the run is not equal to another value with the same definition.
/// Constants sharing one storage have one root; tape inputs are assumed not to alias each other.
/// </summary>
internal sealed class AliasAnalysis
{
    private readonly Dictionary<int, int> _root = [];
    private readonly HashSet<int> _mutated = [];
    private readonly Dictionary<int, List<int>> _writes = [];   // root → op indices of the calls writing into it

    public AliasAnalysis(Tape tape)
    {
        var constantRoots = new Dictionary<Backends.Storage, int>(ReferenceEqualityComparer.Instance);
        var ops = tape.Ops;
        for (int i = 0; i < ops.Count; i++)
        {
            var op = ops[i];
            switch (op)
            {
                case ConstantOp c:
                    _root[c.Id] = constantRoots.TryGetValue(c.Value.Storage, out int shared) ? shared : constantRoots[c.Value.Storage] = c.Id;
                    break;
                case CallOp call:
                    var effects = call.Primitive.Effects;
                    for (int k = 0; k < call.OutputCount; k++)
                    {
                        int id = call.Id + k;
                        if (call.Primitive is ViewPrimitive) _root[id] = RootOf(call.Args[effects.ViewOfInput]);
                        else if (effects.IsInPlace && k < effects.MutatedInputs.Count) _root[id] = RootOf(call.Args[effects.MutatedInputs[k]]);
                        else _root[id] = id;
                    }
                    foreach (int m in effects.MutatedInputs)
                    {
                        int root = RootOf(call.Args[m]);
                        _mutated.Add(root);
                        if (!_writes.TryGetValue(root, out var at)) _writes[root] = at = [];
                        at.Add(i);
                    }
                    break;
                default:
                    _root[op.Id] = op.Id;
                    break;
            }
        }
    }

    /// <summary>The value owning the memory <paramref name="id"/> lives in (itself when unknown: a value created by a pass).</summary>
    public int RootOf(int id) => _root.GetValueOrDefault(id, id);

    /// <summary>
    /// Whether a call strictly between the op indices <paramref name="from"/> and <paramref name="to"/>
    /// writes into the memory of <paramref name="id"/> (then a read moved from one position to the other
    /// would see another value).
    /// </summary>
    public bool IsWrittenBetween(int id, int from, int to) =>
        _writes.TryGetValue(RootOf(id), out var at) && at.Exists(i => i > from && i < to);

    /// <summary>Whether some call of the tape writes into the memory of <paramref name="id"/>.</summary>
    public bool IsMutated(int id) => _mutated.Contains(RootOf(id));

    /// <summary>Whether the memory of <paramref name="id"/> holds the same elements for the whole run.</summary>
    public bool IsStable(int id) => !IsMutated(id);

    /// <summary>Whether every value a call reads and defines is stable.</summary>
    public bool IsStable(CallOp call)
    {
        foreach (int a in call.Args)
            if (IsMutated(a)) return false;
        for (int k = 0; k < call.OutputCount; k++)
            if (IsMutated(call.Id + k)) return false;
        return true;
    }
}
