using Avalon.Autodiff;

namespace Avalon.Compiler;

/// <summary>
/// A forward rewrite of a tape, for passes: walk the ops in order, <see cref="Remap"/> each call's
/// arguments through the replacements made so far, then <see cref="Emit"/> it (possibly changed), or
/// drop it after <see cref="Replace"/>-ing its values with earlier ones. Replacements chain.
/// </summary>
internal sealed class TapeRewriter
{
    private readonly Tape _source;
    private readonly Dictionary<int, int> _replacement = [];
    private readonly Dictionary<int, TapeOp> _definitions = [];
    private readonly List<TapeOp> _ops = [];
    private int _nextId;

    public TapeRewriter(Tape source)
    {
        _source = source;
        _nextId = source.NextId;
    }

    /// <summary>Whether any op was changed, dropped or added.</summary>
    public bool Changed { get; private set; }

    /// <summary>The ops emitted so far.</summary>
    public IReadOnlyList<TapeOp> Ops => _ops;

    /// <summary>The value that now stands for <paramref name="id"/>.</summary>
    public int Resolve(int id)
    {
        while (_replacement.TryGetValue(id, out int next)) id = next;
        return id;
    }

    /// <summary>The emitted op defining <paramref name="id"/> (after resolving), or null.</summary>
    public TapeOp? DefinitionOf(int id) => _definitions.GetValueOrDefault(Resolve(id));

    /// <summary><paramref name="call"/> with its arguments resolved.</summary>
    public CallOp Remap(CallOp call)
    {
        int[]? args = null;
        for (int i = 0; i < call.Args.Length; i++)
        {
            int r = Resolve(call.Args[i]);
            if (r == call.Args[i]) continue;
            args ??= (int[])call.Args.Clone();
            args[i] = r;
        }
        return args is null ? call : call with { Args = args };
    }

    /// <summary>From now on, uses of <paramref name="oldId"/> read <paramref name="newId"/>.</summary>
    public void Replace(int oldId, int newId)
    {
        if (oldId == newId) return;
        _replacement[oldId] = newId;
        Changed = true;
    }

    /// <summary>Appends an op; <paramref name="changed"/> says whether it differs from the source's.</summary>
    public void Emit(TapeOp op, bool changed = false)
    {
        _ops.Add(op);
        foreach (int d in op.Defines) _definitions[d] = op;
        _nextId = Math.Max(_nextId, op.Id + op.OutputCount);
        if (changed) Changed = true;
    }

    /// <summary>Records that an op of the source was dropped.</summary>
    public void Drop() => Changed = true;

    /// <summary>A fresh id for a new op.</summary>
    public int FreshId(int count = 1)
    {
        int id = _nextId;
        _nextId += count;
        return id;
    }

    /// <summary>The rewritten tape (the source itself when nothing changed).</summary>
    public Tape Build() => Changed ? new Tape(_ops, _source.Outputs.Select(Resolve)) : _source;
}
