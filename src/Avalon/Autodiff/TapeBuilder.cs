using Avalon.Primitives;

namespace Avalon.Autodiff;

/// <summary>
/// A mutable copy of a tape for passes that rewrite it: fresh ids, def-use (the users of a value),
/// replacing every use of a value, inserting and removing ops; <see cref="Build"/> makes the new tape,
/// which <see cref="Tape.Validate"/> can check.
/// </summary>
public sealed class TapeBuilder
{
    private readonly List<TapeOp> _ops;
    private readonly List<int> _outputs;
    private int _nextId;

    /// <summary>Starts from the ops and outputs of <paramref name="tape"/>.</summary>
    public TapeBuilder(Tape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        _ops = [.. tape.Ops];
        _outputs = [.. tape.Outputs];
        _nextId = tape.NextId;
    }

    /// <summary>The ops in order.</summary>
    public IReadOnlyList<TapeOp> Ops => _ops;

    /// <summary>The ids the tape returns.</summary>
    public IReadOnlyList<int> Outputs => _outputs;

    /// <summary>Reserves <paramref name="count"/> consecutive unused ids and returns the first.</summary>
    public int FreshId(int count = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        int id = _nextId;
        _nextId += count;
        return id;
    }

    /// <summary>The calls that use value <paramref name="id"/> as an argument, in order.</summary>
    public IReadOnlyList<CallOp> Users(int id) =>
        _ops.OfType<CallOp>().Where(c => c.Args.Contains(id)).ToList();

    /// <summary>Whether value <paramref name="id"/> is used by a call or returned.</summary>
    public bool IsUsed(int id) => _outputs.Contains(id) || _ops.OfType<CallOp>().Any(c => c.Args.Contains(id));

    /// <summary>The op that defines <paramref name="id"/> (for a multi-output call, the call).</summary>
    public TapeOp DefinitionOf(int id) =>
        _ops.FirstOrDefault(o => id >= o.Id && id < o.Id + o.OutputCount) ?? throw new KeyNotFoundException($"TapeBuilder: no value %{id}.");

    /// <summary>Makes every call argument and output that reads <paramref name="oldId"/> read <paramref name="newId"/> instead.</summary>
    public void ReplaceAllUses(int oldId, int newId)
    {
        for (int i = 0; i < _ops.Count; i++)
            if (_ops[i] is CallOp c && c.Args.Contains(oldId))
                _ops[i] = c with { Args = c.Args.Select(a => a == oldId ? newId : a).ToArray() };
        for (int i = 0; i < _outputs.Count; i++)
            if (_outputs[i] == oldId) _outputs[i] = newId;
    }

    /// <summary>Appends an op (its ids must be fresh).</summary>
    public void Add(TapeOp op) => Insert(_ops.Count, op);

    /// <summary>Inserts an op before the op at position <paramref name="index"/>.</summary>
    public void Insert(int index, TapeOp op)
    {
        ArgumentNullException.ThrowIfNull(op);
        foreach (int d in op.Defines)
            if (_ops.Any(o => d >= o.Id && d < o.Id + o.OutputCount))
                throw OpErrors.Argument("TapeBuilder", $"%{d} is already defined.");
        _ops.Insert(index, op);
        _nextId = Math.Max(_nextId, op.Id + op.OutputCount);
    }

    /// <summary>The position of the op defining <paramref name="id"/>.</summary>
    public int IndexOf(int id) => _ops.IndexOf(DefinitionOf(id));

    /// <summary>Removes the op defining <paramref name="id"/>; it must be unused.</summary>
    public void Remove(int id)
    {
        var op = DefinitionOf(id);
        foreach (int d in op.Defines)
            if (IsUsed(d)) throw OpErrors.State("TapeBuilder", $"%{d} is still used; replace its uses first.");
        _ops.Remove(op);
    }

    /// <summary>Sets the values the tape returns.</summary>
    public void SetOutputs(IEnumerable<int> ids)
    {
        _outputs.Clear();
        _outputs.AddRange(ids);
    }

    /// <summary>The rewritten tape (ids must be defined before use).</summary>
    public Tape Build() => new(_ops, _outputs);
}
