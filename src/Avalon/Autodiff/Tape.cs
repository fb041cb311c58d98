using System.Text;
using Avalon.Primitives;

namespace Avalon.Autodiff;

/// <summary>
/// A recorded computation in SSA form: inputs, constants and primitive calls, each defining one numbered
/// value, plus the ids of the outputs. A tape prints readably, can be walked (<see cref="Ops"/>),
/// rewritten (build a new tape from ops with <see cref="Tape(IEnumerable{TapeOp}, IEnumerable{int})"/>)
/// and replayed on new inputs (<see cref="Run"/>). Gradients are computed by appending the derivative
/// rules' calls to the same tape, so a gradient tape is just a longer tape.
/// </summary>
public sealed class Tape
{
    private readonly List<TapeOp> _ops = [];
    private readonly List<Tensor?> _values = [];
    private readonly Dictionary<Tensor, int> _ids = new(ReferenceEqualityComparer.Instance);
    private readonly List<int> _inputs = [];
    private readonly List<int> _outputs = [];

    /// <summary>Creates an empty tape (recording starts with <see cref="Grad.Trace(Func{Tensor[], Tensor}, Tensor[])"/>).</summary>
    public Tape() { }

    /// <summary>
    /// Builds a tape from ops (for passes that rewrite a tape). Ids must be defined before use; the
    /// inputs are the <see cref="InputOp"/>s in order.
    /// </summary>
    public Tape(IEnumerable<TapeOp> ops, IEnumerable<int> outputs)
    {
        var defined = new HashSet<int>();
        foreach (var op in ops)
        {
            if (op is CallOp call)
                foreach (int a in call.Args)
                    if (!defined.Contains(a))
                        throw OpErrors.Argument("Tape", $"op '{op}' uses %{a} before it is defined.");
            foreach (int d in op.Defines)
                if (!defined.Add(d)) throw OpErrors.Argument("Tape", $"%{d} is defined twice.");
            AddOp(op, op is ConstantOp c ? c.Value : null);
            if (op is InputOp) _inputs.Add(op.Id);
        }
        foreach (int o in outputs)
        {
            if (!defined.Contains(o)) throw OpErrors.Argument("Tape", $"output %{o} is not defined.");
            _outputs.Add(o);
        }
    }

    /// <summary>The ops in order of definition.</summary>
    public IReadOnlyList<TapeOp> Ops => _ops;

    /// <summary>The ids of the inputs, in argument order.</summary>
    public IReadOnlyList<int> Inputs => _inputs;

    /// <summary>The ids of the outputs.</summary>
    public IReadOnlyList<int> Outputs => _outputs;

    /// <summary>The op defining value <paramref name="id"/> (for a multi-output call, the call).</summary>
    public TapeOp this[int id] => _ops[IndexOf(id)];

    private readonly Dictionary<int, int> _indexById = [];
    private readonly Dictionary<int, Tensor> _extraValues = [];
    private int _nextId;

    /// <summary>One more than the largest id defined: the first id a new op may take.</summary>
    public int NextId => _nextId;

    private int IndexOf(int id) =>
        _indexById.TryGetValue(id, out int i) ? i : throw new KeyNotFoundException($"Tape: no value %{id}.");

    private int AddOp(TapeOp op, Tensor? value)
    {
        foreach (int d in op.Defines) _indexById[d] = _ops.Count;
        _ops.Add(op);
        _values.Add(value);
        _nextId = Math.Max(_nextId, op.Id + op.OutputCount);
        return op.Id;
    }

    private List<(int Id, string Description)>? _hostReads;
    private HashSet<int>? _writtenConstants;

    /// <summary>
    /// The host reads of recorded values made while this tape traced (<c>Item()</c>, <c>ToArray()</c>) that
    /// make the trace depend on the data, which a replay does not follow: reads of values computed from the
    /// tape's inputs or random seeds. A read of a value computed only from captured tensors that the tape
    /// never writes (a shape taken as a tensor, a constant's arithmetic — what ONNX shape subgraphs are) gives
    /// the same answer on every replay and is not listed.
    /// </summary>
    public IReadOnlyList<string> HostReads
    {
        get
        {
            if (_hostReads is null) return [];
            // Computed once per state of the tape: recording more calls or reads can change the answer.
            if (_hostReadsCache is { } cached && _hostReadsCacheKey == (_ops.Count, _hostReads.Count)) return cached;
            var dependent = new Dictionary<int, bool>();
            var result = new List<string>();
            foreach (var (id, description) in _hostReads)
                if (DependsOnData(id, dependent)) result.Add(description);
            _hostReadsCacheKey = (_ops.Count, _hostReads.Count);
            return _hostReadsCache = result;
        }
    }

    private List<string>? _hostReadsCache;
    private (int Ops, int Reads) _hostReadsCacheKey;

    internal void NoteHostRead(Tensor tensor, string operation)
    {
        int id = IdOf(tensor);
        (_hostReads ??= []).Add((id, $"{operation} of %{id} ({tensor.DType.Name()}{tensor.Shape})"));
    }

    /// <summary>Whether the value <paramref name="id"/> depends on an input, a seed or a captured tensor the tape writes in place.</summary>
    private bool DependsOnData(int id, Dictionary<int, bool> memo)
    {
        // Iterative post-order over the arguments (a long chain would overflow a recursive walk).
        var stack = new Stack<(int Id, bool Expanded)>();
        stack.Push((id, false));
        while (stack.Count > 0)
        {
            var (next, expanded) = stack.Pop();
            if (memo.ContainsKey(next)) continue;
            var op = _ops[IndexOf(next)];
            switch (op)
            {
                case ConstantOp:
                    memo[next] = _writtenConstants?.Contains(op.Id) ?? false;
                    break;
                case CallOp call when expanded:
                    bool any = false;
                    foreach (int arg in call.Args) any |= memo[arg];
                    memo[next] = any;
                    break;
                case CallOp call:
                    stack.Push((next, true));
                    foreach (int arg in call.Args)
                        if (!memo.ContainsKey(arg)) stack.Push((arg, false));
                    break;
                default:
                    memo[next] = true;                 // inputs and seeds
                    break;
            }
        }
        return memo[id];
    }

    /// <summary>Marks every captured tensor that <paramref name="id"/> is computed from as written (a conservative over-approximation of what an in-place call reaches).</summary>
    private void MarkConstantsWritten(int id)
    {
        var stack = new Stack<int>();
        var seen = new HashSet<int>();
        stack.Push(id);
        while (stack.Count > 0)
        {
            int next = stack.Pop();
            if (!seen.Add(next)) continue;
            var op = _ops[IndexOf(next)];
            if (op is ConstantOp) (_writtenConstants ??= []).Add(op.Id);
            else if (op is CallOp call) foreach (int arg in call.Args) stack.Push(arg);
        }
    }

    /// <summary>Whether <paramref name="tensor"/> is a value recorded on this tape.</summary>
    public bool Tracks(Tensor tensor) => _ids.ContainsKey(tensor);

    /// <summary>The id of a tensor recorded on this tape.</summary>
    public int IdOf(Tensor tensor) =>
        _ids.TryGetValue(tensor, out int id) ? id : throw new KeyNotFoundException("Tape: the tensor is not recorded on this tape.");

    /// <summary>The value computed for <paramref name="id"/> while recording (null for a rebuilt tape that has not run).</summary>
    public Tensor? ValueOf(int id)
    {
        int index = IndexOf(id);
        return _ops[index].Id == id ? _values[index] : _extraValues.GetValueOrDefault(id);
    }

    internal int AddInput(Tensor tensor, string name)
    {
        if (_ids.TryGetValue(tensor, out int existing)) return existing;
        int id = AddOp(new InputOp(_nextId, TensorSpec.Of(tensor), name), tensor);
        _ids[tensor] = id;
        _inputs.Add(id);
        return id;
    }

    internal void SetOutputs(IEnumerable<int> ids)
    {
        _outputs.Clear();
        _outputs.AddRange(ids);
    }

    /// <summary>
    /// Records one call. Every call with inputs is recorded, also one whose inputs are all captured
    /// tensors (constants): a replay then reads their current values, so state a step changes in place
    /// (running statistics) or an optimiser updates between runs is seen as eager code would see it.
    /// </summary>
    internal void RecordCall(Primitive primitive, Attributes attributes, Tensor[] inputs, Tensor[] outputs, Tensor[]? savedInputs = null)
    {
        if (inputs.Length == 0) return;
        var args = new int[inputs.Length];
        for (int i = 0; i < inputs.Length; i++) args[i] = IdOrConstant(inputs[i]);
        // An in-place call overwrites its target: the value recorded for the target's old id becomes the
        // copy taken before the write, which is what the derivative rules of earlier and this call read.
        if (savedInputs is not null)
            foreach (int m in primitive.Effects.MutatedInputs)
                ReplaceRecordedValue(args[m], savedInputs[m]);
        foreach (int m in primitive.Effects.MutatedInputs) MarkConstantsWritten(args[m]);
        var call = new CallOp(_nextId, TensorSpec.Of(outputs[0]), primitive, attributes, args);
        if (outputs.Length > 1) call = call with { OutputSpecs = outputs.Select(TensorSpec.Of).ToArray() };
        int id = AddOp(call, outputs[0]);
        // An in-place call's output is the mutated input itself: from here on the tensor names the new value.
        for (int k = 0; k < outputs.Length; k++)
        {
            _ids[outputs[k]] = id + k;
            if (k > 0) _extraValues[id + k] = outputs[k];
        }
    }

    private void ReplaceRecordedValue(int id, Tensor value)
    {
        int index = IndexOf(id);
        if (_ops[index].Id == id) _values[index] = value;
        else _extraValues[id] = value;
    }

    /// <summary>From now on <paramref name="tensor"/> names the value recorded for <paramref name="value"/> (an in-place write through a view gave the viewed tensor a new value).</summary>
    internal void Rebind(Tensor tensor, Tensor value) => _ids[tensor] = IdOf(value);

    /// <summary>Records a seed drawn from <paramref name="generator"/> as a value that each run draws afresh.</summary>
    internal void RecordSeed(Tensor seed, Generator generator)
    {
        int id = AddOp(new SeedOp(_nextId, TensorSpec.Of(seed), generator), seed);
        _ids[seed] = id;
    }

    /// <summary>The id of a tensor, recording it as a constant when the tape has not seen it.</summary>
    internal int IdOrConstant(Tensor tensor)
    {
        if (_ids.TryGetValue(tensor, out int id)) return id;
        id = AddOp(new ConstantOp(_nextId, TensorSpec.Of(tensor), tensor), tensor);
        _ids[tensor] = id;
        return id;
    }

    /// <summary>
    /// Replays the tape on new inputs (same shapes and dtypes as recorded) and returns the outputs.
    /// The calls go through the primitives as usual, so a replay can itself be traced or differentiated.
    /// </summary>
    public Tensor[] Run(params Tensor[] inputs)
    {
        if (inputs.Length != _inputs.Count)
            throw OpErrors.Argument("Tape.Run", $"the tape takes {_inputs.Count} inputs but {inputs.Length} were given.");
        var env = new Dictionary<int, Tensor>();
        int k = 0;
        foreach (var op in _ops)
        {
            switch (op)
            {
                case InputOp input:
                    var x = inputs[k++];
                    if (x.Shape != input.Spec.Shape || x.DType != input.Spec.DType)
                        throw OpErrors.Argument(
                            "Tape.Run", $"input {k - 1} ('{input.Name}') was recorded as {input.Spec} but {x.DType.Name()}{x.Shape} was given.");
                    env[op.Id] = x;
                    break;
                case ConstantOp c:
                    env[op.Id] = c.Value;
                    break;
                case SeedOp seed:
                    env[op.Id] = seed.Generator.NextSeed();
                    break;
                case CallOp call:
                    var args = new Tensor[call.Args.Length];
                    for (int i = 0; i < args.Length; i++) args[i] = env[call.Args[i]];
                    var results = call.Primitive.InvokeMany(call.Attributes, args);
                    for (int r = 0; r < results.Length; r++) env[op.Id + r] = results[r];
                    break;
            }
        }
        return _outputs.Select(o => env[o]).ToArray();
    }

    /// <summary>
    /// Checks the tape: every call's output specs are inferred again from its arguments' specs with the
    /// primitive's shape rule (and its attributes against the schema), and every mismatch, unknown id or
    /// rule error is reported. A pass runs this on what it built.
    /// </summary>
    /// <exception cref="InvalidOperationException">The tape is inconsistent; the message lists each problem with its op.</exception>
    public void Validate()
    {
        var specs = new Dictionary<int, TensorSpec>();
        var problems = new List<string>();
        foreach (var op in _ops)
        {
            if (op is CallOp call)
            {
                var args = new TensorSpec[call.Args.Length];
                bool known = true;
                for (int i = 0; i < args.Length; i++)
                {
                    if (specs.TryGetValue(call.Args[i], out var s)) args[i] = s;
                    else { problems.Add($"{op}: argument %{call.Args[i]} is not defined before it."); known = false; }
                }
                if (known)
                {
                    try
                    {
                        var attrs = call.Primitive.ValidateAttributes(call.Attributes);
                        var inferred = call.Primitive.InferSpecs(args, attrs);
                        if (inferred.Length != call.OutputCount)
                            problems.Add($"{op}: the shape rule gives {inferred.Length} outputs, the op records {call.OutputCount}.");
                        else
                            for (int k = 0; k < inferred.Length; k++)
                                if (inferred[k] != call.OutputSpec(k))
                                    problems.Add($"{op}: output {k} is recorded as {call.OutputSpec(k)} but the shape rule gives {inferred[k]}.");
                    }
                    catch (Exception e) when (e is ArgumentException or InvalidOperationException or KeyNotFoundException or InvalidCastException)
                    {
                        problems.Add($"{op}: the shape rule rejects it: {e.Message}");
                    }
                }
            }
            for (int k = 0; k < op.OutputCount; k++) specs[op.Id + k] = op.OutputSpec(k);
        }
        foreach (int o in _outputs)
            if (!specs.ContainsKey(o)) problems.Add($"return: %{o} is not defined.");
        if (problems.Count > 0)
            throw OpErrors.State("Tape.Validate", $"{problems.Count} problem(s):\n" + string.Join("\n", problems));
    }

    /// <summary>The tape in SSA form, one op per line, then the outputs.</summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        foreach (var op in _ops) sb.AppendLine(op.ToString());
        sb.Append("return ").Append(string.Join(", ", _outputs.Select(o => "%" + o)));
        return sb.ToString();
    }
}
